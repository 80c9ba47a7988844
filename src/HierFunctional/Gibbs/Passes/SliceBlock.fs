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

    /// Where the block's directions stand: collected during warm-up, then fixed once.
    [<RequireQualifiedAccess>]
    type private Directions =
        /// Warm-up: coordinate-wise slices while the draws are collected.
        | Collecting
        /// The Cholesky factor of the warm-up covariance is fixed: slices along its columns.
        | Factorised
        /// The warm-up covariance was not positive definite (e.g. a constant coordinate): coordinate-wise slices.
        | CoordinateWise

    /// One chain's state of a directional block of k coordinates (made by the update's `Init`).
    type private BlockState =
        {
            /// Slice widths of the coordinate-wise steps.
            Widths: SliceWidth[]
            /// Welford mean of the warm-up draws (k).
            Mean: float[]
            /// Welford sums of squares (k·k).
            M2: float[]
            /// Draws in the Welford sums; after the restart it counts on from 1 (the restart keeps one zero draw).
            mutable Count: float
            /// True once the statistics restarted after the transient.
            mutable Restarted: bool
            mutable Directions: Directions
            /// The Cholesky factor L (k·k) once `Factorised`.
            Chol: float[]
            /// The current unconstrained coordinates (scratch).
            U: float[]
        }

    let private directionsCode (d: Directions) =
        match d with
        | Directions.Collecting -> 0.0
        | Directions.Factorised -> 1.0
        | Directions.CoordinateWise -> -1.0

    // A checkpoint keeps everything but the scratch: widths, Welford sums, count, restart flag, directions, L.
    let private saveBlock (b: BlockState) =
        Array.concat
            [
                UpdateStep.saveWidths b.Widths
                b.Mean
                b.M2
                [| b.Count; (if b.Restarted then 1.0 else 0.0); directionsCode b.Directions |]
                b.Chol
            ]

    let private loadBlock (b: BlockState) (xs: float[]) =
        let k = b.Mean.Length
        let nw = 3 * k

        if xs.Length <> nw + k + 2 * k * k + 3 then
            invalidArg "state" $"expected {nw + k + 2 * k * k + 3} block-slice values, got {xs.Length}."

        UpdateStep.loadWidths xs.[.. nw - 1] b.Widths
        Array.blit xs nw b.Mean 0 k
        Array.blit xs (nw + k) b.M2 0 (k * k)
        let at = nw + k + k * k
        b.Count <- xs.[at]
        b.Restarted <- xs.[at + 1] <> 0.0

        b.Directions <-
            match xs.[at + 2] with
            | 0.0 -> Directions.Collecting
            | 1.0 -> Directions.Factorised
            | _ -> Directions.CoordinateWise

        Array.blit xs (at + 3) b.Chol 0 (k * k)

    /// The step of a block slice update over k unconstrained coordinates for one chain: `load` writes the current
    /// coordinates into its array, `logDensityAt` writes coordinates into the state and returns the block's
    /// log-density including the Jacobians, both given the caller's per-chain `scratch`; `names` (one per
    /// coordinate) label errors, `rule` names the method.
    let directional
        (rule: string)
        (names: string[])
        (load: 'scratch -> ChainState -> float[] -> unit)
        (logDensityAt: 'scratch -> ChainState -> float[] -> float)
        (scratch: 'scratch)
        : UpdateStep =
        let k = names.Length

        let b =
            {
                Widths = UpdateStep.widths k
                Mean = Array.zeroCreate k
                M2 = Array.zeroCreate (k * k)
                Count = 0.0
                Restarted = false
                Directions = Directions.Collecting
                Chol = Array.zeroCreate (k * k)
                U = Array.zeroCreate k
            }

        let logDensityAt = logDensityAt scratch

        let run (rng: Random) (st: ChainState) =
            let mean, m2, chol, u = b.Mean, b.M2, b.Chol, b.U
            load scratch st u

            if st.Adapting || b.Directions = Directions.CoordinateWise then
                // Coordinate-wise slices with adapting widths, as for single nodes.
                for i in 0 .. k - 1 do
                    let u0 = u.[i]

                    let f x =
                        u.[i] <- x
                        logDensityAt st u

                    let w = b.Widths.[i]
                    let r = UpdateKit.sliceStep names.[i] rule rng f w.Width u0
                    u.[i] <- r.Value

                    if st.Adapting then
                        b.Widths.[i] <- Slice.adaptWidth w u0 r.Value

                logDensityAt st u |> ignore

                if st.Adapting then
                    // Welford accumulation of the unconstrained draws (restarted once after the transient).
                    if not b.Restarted && b.Count = float restartAfter then
                        Array.Clear mean
                        Array.Clear m2
                        b.Restarted <- true
                        b.Count <- 1.0

                    let n = b.Count + 1.0
                    b.Count <- n
                    let delta = Array.init k (fun i -> u.[i] - mean.[i])

                    for i in 0 .. k - 1 do
                        mean.[i] <- mean.[i] + delta.[i] / n

                    for i in 0 .. k - 1 do
                        for j in 0 .. k - 1 do
                            m2.[i * k + j] <- m2.[i * k + j] + delta.[i] * (u.[j] - mean.[j])
            else
                if b.Directions = Directions.Collecting then
                    // End of warm-up: regularised covariance (as Stan does), then its Cholesky factor, fixed from now on.
                    let n = b.Count

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

                        b.Directions <- Directions.Factorised
                    // MathNet signals a covariance that is not positive definite (e.g. a constant coordinate)
                    // with ArgumentException: then the block keeps its coordinate-wise directions.
                    with :? ArgumentException ->
                        b.Directions <- Directions.CoordinateWise

                if b.Directions = Directions.Factorised then
                    let u0 = Array.copy u

                    for d in 0 .. k - 1 do
                        let f t =
                            for i in 0 .. k - 1 do
                                u.[i] <- u0.[i] + t * chol.[i * k + d]

                            logDensityAt st u

                        let r = UpdateKit.sliceStep names.[d] rule rng f directionWidth 0.0

                        for i in 0 .. k - 1 do
                            u0.[i] <- u0.[i] + r.Value * chol.[i * k + d]

                    Array.blit u0 0 u 0 k
                    logDensityAt st u |> ignore

        {
            Run = run
            Save = fun () -> saveBlock b
            Load = loadBlock b
            Weight = ValueNone
            Groups = ValueNone
        }

    /// One block update replacing the slice updates of `members` (scalar, global-scope, continuous parameters).
    let create (density: CompiledDensity) (members: NodeInfo list) : Update =
        let b = density.Bound
        let k = members.Length
        let names = members |> List.map (fun i -> i.Node.Name) |> Array.ofList
        let offsets = names |> Array.map (fun n -> b.Layout.Offsets.[n])

        let supports =
            members
            |> List.map (fun i ->
                match i.ParameterSupport with
                | Some s -> s
                | None -> invalidArg "members" "block members must be parameters")
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

        // With children summarised by sufficient statistics (filled in `load`, once per update, into the chain's
        // statistics array), each evaluation is O(1) in the number of children.
        let fast = SufficientBlanket.tryCreate density (List.ofArray names)

        let blanket (stats: float[]) (st: ChainState) =
            match fast with
            | Some sb -> sb.Eval st.Values stats
            | None -> generic st.Values

        /// Writes unconstrained u into the state and returns the block's log-density including the Jacobians.
        let logDensityAt (stats: float[]) (st: ChainState) (u: float[]) =
            let s = st.Values
            let mutable logJ = 0.0

            for i in 0 .. k - 1 do
                s.[offsets.[i]] <- Transform.fromUnconstrainedScalar supports.[i] u.[i]
                logJ <- logJ + Transform.logJacobianScalar supports.[i] u.[i]

            blanket stats st + logJ

        let load (stats: float[]) (st: ChainState) (u: float[]) =
            let s = st.Values

            match fast with
            | Some sb -> sb.Fill s stats
            | None -> ()

            for i in 0 .. k - 1 do
                u.[i] <- Transform.toUnconstrainedScalar supports.[i] s.[offsets.[i]]

        {
            Node = String.Join(", ", names)
            Method = "slice (block)"
            Kind = UpdateKind.SliceBlock
            Exactness = Exactness.Markov
            Reason =
                "scalar hyperparameters without a closed form, slice-sampled together along warm-up covariance directions"
            KeepsWeight = false
            Init =
                fun _ ->
                    let stats =
                        match fast with
                        | Some sb -> Array.zeroCreate sb.Size
                        | None -> [||]

                    directional "slice (block)" names load logDensityAt stats
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
