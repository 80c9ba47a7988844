namespace HierFunctional

open System
open HierFunctional.Inference

/// Slice sampling of correlated scalar hyperparameters as one block. Element-wise slice sampling crawls along a
/// ridge (BDA3's rat-tumour α and β are correlated above 0.9 on the log scale), so during warm-up the block's
/// unconstrained draws are collected (Welford), and at the end of warm-up the Cholesky factor L of their covariance
/// is fixed. Each sampling sweep then slice-samples along the columns of L — a fixed linear change of variables,
/// so every step is still an exact slice update and the kernel is constant after warm-up.
[<RequireQualifiedAccess>]
module internal SliceBlock =

    /// Warm-up draws seen before the statistics restart, so the starting transient does not shape the directions.
    let private restartAfter = 100

    /// Slice width along a direction, in units of the warm-up posterior sd along it.
    let private directionWidth = 2.0

    /// The storage a directional block of k unconstrained coordinates needs in each chain.
    let needs (k: int) : UpdateNeeds =
        {
            Aux = [||]
            Widths = k
            Buffers = [ k; k * k; 2; k * k; k ]
        }

    /// The run of a block slice update over k unconstrained coordinates (storage: `needs k`): `load` writes the
    /// current coordinates into its buffer, `logDensityAt` writes coordinates into the state and returns the block's
    /// log-density including the Jacobians; `names` (one per coordinate) label errors, `rule` names the method.
    let directional
        (rule: string)
        (names: string[])
        (load: Offsets -> ChainState -> float[] -> unit)
        (logDensityAt: Offsets -> ChainState -> float[] -> float)
        =
        let k = names.Length

        // Buffers: 0 mean (k), 1 sums of squares (k·k), 2 count and factorised flag (2), 3 Cholesky L (k·k), 4 u (k).
        let run (o: Offsets) (rng: Random) (st: ChainState) =
            let s = st.Values

            let mean, m2, flags, chol, u =
                st.Buffers.[o.Buffer],
                st.Buffers.[o.Buffer + 1],
                st.Buffers.[o.Buffer + 2],
                st.Buffers.[o.Buffer + 3],
                st.Buffers.[o.Buffer + 4]

            load o st u

            if st.Adapting || flags.[1] < 0.0 then
                // Coordinate-wise slices with adapting widths, as for single nodes.
                for i in 0 .. k - 1 do
                    let u0 = u.[i]

                    let f x =
                        u.[i] <- x
                        logDensityAt o st u

                    let w = st.Widths.[o.Widths + i]
                    let r = UpdateKit.sliceStep names.[i] rule rng f w.Width u0
                    u.[i] <- r.Value

                    if st.Adapting then
                        st.Widths.[o.Widths + i] <- Slice.adaptWidth w u0 r.Value

                logDensityAt o st u |> ignore

                if st.Adapting then
                    // Welford accumulation of the unconstrained draws (restarted once after the transient).
                    if flags.[0] = float restartAfter then
                        Array.Clear mean
                        Array.Clear m2
                        flags.[0] <- -1.0

                    let n = (if flags.[0] < 0.0 then -flags.[0] else flags.[0]) + 1.0
                    flags.[0] <- if flags.[0] < 0.0 then -n else n
                    let delta = Array.init k (fun i -> u.[i] - mean.[i])

                    for i in 0 .. k - 1 do
                        mean.[i] <- mean.[i] + delta.[i] / n

                    for i in 0 .. k - 1 do
                        for j in 0 .. k - 1 do
                            m2.[i * k + j] <- m2.[i * k + j] + delta.[i] * (u.[j] - mean.[j])
            else
                if flags.[1] = 0.0 then
                    // End of warm-up: regularised covariance (as Stan does), then its Cholesky factor, fixed from now on.
                    let n = abs flags.[0]

                    let cov =
                        MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.Dense(
                            k,
                            k,
                            fun i j ->
                                let c = if n > 1.0 then m2.[i * k + j] / (n - 1.0) else 0.0
                                (n / (n + 5.0)) * c + (if i = j then 1e-3 * 5.0 / (n + 5.0) else 0.0)
                        )

                    try
                        let l = cov.Cholesky().Factor

                        for i in 0 .. k - 1 do
                            for j in 0 .. k - 1 do
                                chol.[i * k + j] <- l.[i, j]

                        flags.[1] <- 1.0
                    // MathNet signals a covariance that is not positive definite (e.g. a constant coordinate)
                    // with ArgumentException: then the block keeps its coordinate-wise directions.
                    with :? ArgumentException ->
                        flags.[1] <- -1.0

                if flags.[1] > 0.0 then
                    let u0 = Array.copy u

                    for d in 0 .. k - 1 do
                        let f t =
                            for i in 0 .. k - 1 do
                                u.[i] <- u0.[i] + t * chol.[i * k + d]

                            logDensityAt o st u

                        let r = UpdateKit.sliceStep names.[d] rule rng f directionWidth 0.0

                        for i in 0 .. k - 1 do
                            u0.[i] <- u0.[i] + r.Value * chol.[i * k + d]

                    Array.blit u0 0 u 0 k
                    logDensityAt o st u |> ignore

        run

    /// One block update replacing the slice updates of `members` (scalar, global-scope, continuous parameters).
    let create (density: CompiledDensity) (members: NodeInfo list) : Update =
        let b = density.Bound
        let k = members.Length
        let names = members |> List.map (fun i -> i.Node.Name) |> Array.ofList
        let offsets = names |> Array.map (fun n -> b.Layout.Offsets.[n])

        let supports =
            members
            |> List.map (fun i ->
                match i.Node.Kind with
                | NodeKind.Parameter d -> Dist.support d
                | _ -> invalidArg "members" "block members must be parameters")
            |> Array.ofList

        // The union of the members' Markov blankets: every term that reads any of them, once.
        let terms =
            names
            |> Array.collect (fun n -> Array.append [| { Term.Node = n; Copy = 0 } |] density.Dependents.[n].[0])
            |> Array.distinct
            |> Array.map density.Term

        let generic (s: float[]) =
            let mutable total = 0.0

            for t in terms do
                total <- total + t s

            total

        // With children summarised by sufficient statistics (filled in `load`, once per update, into buffer 5),
        // each evaluation is O(1) in the number of children.
        let fast = SufficientBlanket.tryCreate density (List.ofArray names)

        let blanket (o: Offsets) (st: ChainState) =
            match fast with
            | Some sb -> sb.Eval st.Values st.Buffers.[o.Buffer + 5]
            | None -> generic st.Values

        /// Writes unconstrained u into the state and returns the block's log-density including the Jacobians.
        let logDensityAt (o: Offsets) (st: ChainState) (u: float[]) =
            let s = st.Values
            let mutable logJ = 0.0

            for i in 0 .. k - 1 do
                s.[offsets.[i]] <- Transform.fromUnconstrainedScalar supports.[i] u.[i]
                logJ <- logJ + Transform.logJacobianScalar supports.[i] u.[i]

            blanket o st + logJ

        let load (o: Offsets) (st: ChainState) (u: float[]) =
            let s = st.Values

            match fast with
            | Some sb -> sb.Fill s st.Buffers.[o.Buffer + 5]
            | None -> ()

            for i in 0 .. k - 1 do
                u.[i] <- Transform.toUnconstrainedScalar supports.[i] s.[offsets.[i]]

        {
            Node = String.Join(", ", names)
            Method = "slice (block)"
            Kind = UpdateKind.SliceBlock
            Exactness = Exactness.Approximate
            Reason =
                "scalar hyperparameters without a closed form, slice-sampled together along warm-up covariance directions"
            Needs =
                match fast with
                | Some sb ->
                    { needs k with
                        Buffers = needs k |> _.Buffers |> fun bs -> bs @ [ sb.Size ]
                    }
                | None -> needs k
            Run = directional "slice (block)" names load logDensityAt
        }

    /// Replaces the individual slice updates of two or more scalar, global-scope parameters by one block update,
    /// placed where the first of them was.
    let combine (density: CompiledDensity) (updates: Update[]) : Update[] =
        let b = density.Bound

        let isMember (u: Update) =
            u.Kind = UpdateKind.Slice
            && (match b.NodeMap.TryFind u.Node with
                | Some i -> i.Scope = Scope.Global && i.Event = Shape.Scalar && i.Copies = 1
                | None -> false)

        let members = updates |> Array.filter isMember

        if members.Length < 2 then
            updates
        else
            let block =
                create density (members |> Array.map (fun u -> b.NodeMap.[u.Node]) |> List.ofArray)

            let first = Array.findIndex isMember updates

            updates
            |> Array.mapi (fun i u ->
                if i = first then Some block
                elif isMember u then None
                else Some u)
            |> Array.choose id
