namespace HierFunctional

open System
open MathNet.Numerics
open HierFunctional.Inference

/// The Markov blanket of one or more scalar global parameters, evaluated in O(1) per call from the children's
/// sufficient statistics. A slice update evaluates its blanket ~10–20 times per sweep while the children stay
/// fixed, so summarising them once per update (`Fill`) turns J log-densities (J `GammaLn`/`BetaLn` calls) per
/// evaluation into a handful of flops.
type internal SufficientBlanket =
    {
        /// The parameter nodes being moved (scalar, global).
        Moved: string[]
        /// The child nodes summarised by sufficient statistics; every other blanket term is evaluated as usual.
        Summarised: string[]
        /// Length of the statistics buffer `Fill` writes and `Eval` reads (one per chain).
        Size: int
        /// Computes the summarised children's statistics from the state into the buffer; call it whenever the
        /// children may have changed (once per update), not while only the moved parameters change.
        Fill: float[] -> float[] -> unit
        /// The blanket's log-density at the state, given the buffer `Fill` wrote for the same children.
        Eval: float[] -> float[] -> float
    }

/// Pattern analysis and evaluation of `SufficientBlanket`s.
[<RequireQualifiedAccess>]
module internal SufficientBlanket =

    type private Summary = SufficientStatistics

    let private values (b: Bound) (child: NodeInfo) : (float[] -> int -> float) option =
        match child.Node.Kind with
        | NodeKind.Observed _ ->
            b.Numeric.TryFind child.Node.Name
            |> Option.map (fun ys -> fun (_: float[]) r -> ys.[r])
        | NodeKind.Parameter _ ->
            let off = b.Layout.Offsets.[child.Node.Name]
            Some(fun s r -> s.[off + r])
        | _ -> None

    /// The summary of a scalar child family over n copies, from its family record (see `DistFamily.Sufficient`).
    let private summary (d: Dist) (n: int) (x: float[] -> int -> float) (a: (float[] -> float)[]) : Summary option =
        (Dist.family d).Sufficient |> Option.map (fun f -> f n x a)

    /// MvNormal(m, Σ) children with m a literal vector of scalars (which may read the moved parameters) and Σ a
    /// global matrix that does not: Σ log p = −n/2 (k log 2π + log|Σ|) − ½ tr(Σ⁻¹W) − n/2 (x̄ − m)ᵀΣ⁻¹(x̄ − m),
    /// W = Σ (x − x̄)(x − x̄)ᵀ. `Fill` factorises Σ once; `Eval` is O(k²). Width 1 + k + k² + k (the last k are
    /// per-chain scratch for x̄ − m).
    let private mvNormalSummary (b: Bound) (child: NodeInfo) (mean: Expr list) (cov: Expr) : Summary =
        let k = mean.Length
        let kk = k * k
        let n = child.Copies
        let fn = float n
        let ms = mean |> List.map (Eval.compileScalar b child.Scope) |> Array.ofList
        let covF = Eval.compileValue b Scope.Global cov

        let x = Bound.vectorElement b child k

        {
            Width = 1 + k + kk + k
            Fill =
                fun s st at ->
                    // Once per update: Σ's factor and inverse, the copies' mean and scatter (local buffers).
                    let c = Value.matrix (covF s 0)
                    let sigma = Array.init kk (fun ij -> c.[ij / k, ij % k])
                    let scale = sigma |> Array.fold (fun a v -> max a (abs v)) 0.0

                    let symmetric =
                        Seq.forall
                            (fun ij -> abs (sigma.[ij] - sigma.[(ij % k) * k + ij / k]) <= 1e-12 * scale)
                            (seq { 0 .. kk - 1 })

                    let l = Array.copy sigma
                    let inverse = Array.zeroCreate kk

                    if
                        not (symmetric && SmallMv.cholesky k l 0)
                        || not (SmallMv.invertSpd k sigma (Array.zeroCreate (kk + k)) inverse)
                    then
                        false
                    else
                        let xbar = Array.zeroCreate k

                        for r in 0 .. n - 1 do
                            for j in 0 .. k - 1 do
                                xbar.[j] <- xbar.[j] + x s r j

                        for j in 0 .. k - 1 do
                            xbar.[j] <- xbar.[j] / fn

                        // tr(Σ⁻¹W) = Σ_r (x_r − x̄)ᵀΣ⁻¹(x_r − x̄), two-pass so it stays accurate far from zero.
                        let mutable trace = 0.0

                        for r in 0 .. n - 1 do
                            for i in 0 .. k - 1 do
                                for j in 0 .. k - 1 do
                                    trace <- trace + (x s r i - xbar.[i]) * inverse.[i * k + j] * (x s r j - xbar.[j])

                        let logDet = SmallMv.logDetFactor k l 0
                        st.[at] <- -0.5 * fn * (float k * 2.0 * Constants.LogSqrt2Pi + logDet) - 0.5 * trace
                        Array.blit xbar 0 st (at + 1) k
                        Array.blit inverse 0 st (at + 1 + k) kk
                        Double.IsFinite st.[at] && Array.forall Double.IsFinite xbar
            Eval =
                fun s st at ->
                    let d = at + 1 + k + kk // x̄ − m into this chain's scratch slots (hot path)

                    for i in 0 .. k - 1 do
                        st.[d + i] <- st.[at + 1 + i] - ms.[i] s 0

                    let mutable q = 0.0

                    for i in 0 .. k - 1 do
                        for j in 0 .. k - 1 do
                            q <- q + st.[d + i] * st.[at + 1 + k + i * k + j] * st.[d + j]

                    st.[at] - 0.5 * fn * q
        }

    /// A child node whose every argument reads only constants and scalar global parameters (no data, no group
    /// index, no derived node), so its copies are iid given the moved parameters; with its summary.
    let private summarise (b: Bound) (moved: Set<string>) (child: NodeInfo) : Summary option =
        match child.Node.Kind with
        | NodeKind.Parameter(Dist.MvNormal(Vector mean, cov))
        | NodeKind.Observed(Dist.MvNormal(Vector mean, cov)) when
            child.Event = Shape.Vector mean.Length
            && not (moved.Contains child.Node.Name)
            && mean |> List.forall (Factor.readsOnlyScalarGlobals b)
            && List.isEmpty (Expr.columnRefs cov)
            && Expr.paramRefs cov
               |> List.forall (fun p ->
                   not (moved.Contains p)
                   && (match b.NodeMap.TryFind p with
                       | Some i -> i.Scope = Scope.Global && i.Node.Kind.IsParameter
                       | None -> false))
            && (child.Node.Kind.IsParameter || b.Matrices.ContainsKey child.Node.Name)
            && child.Copies >= 1
            ->
            Some(mvNormalSummary b child mean cov)
        | NodeKind.Parameter d
        | NodeKind.Observed d when child.Event = Shape.Scalar && not (moved.Contains child.Node.Name) ->
            let args = Dist.arguments d |> List.map snd

            let simple = args |> List.forall (Factor.readsOnlyScalarGlobals b)

            match values b child with
            | Some x when simple && child.Copies >= 1 ->
                let compiled =
                    args
                    |> List.map (fun e ->
                        let f = Eval.compileScalar b child.Scope e
                        fun (s: float[]) -> f s 0)
                    |> Array.ofList

                summary d child.Copies x compiled
            | _ -> None
        | _ -> None

    /// The blanket of the scalar global parameters `moved` with every child node that fits the iid pattern
    /// summarised, or None when no child fits (then the generic blanket is as fast).
    let tryCreate (density: CompiledDensity) (moved: string list) : SufficientBlanket option =
        let b = density.Bound
        let movedSet = Set.ofList moved

        let terms =
            moved
            |> List.collect (fun n -> { Term.Node = n; Copy = 0 } :: List.ofArray density.Dependents.[n].[0])
            |> List.distinct

        let byNode = terms |> List.groupBy (fun t -> t.Node)

        let summaries =
            byNode
            |> List.choose (fun (node, ts) ->
                let info = b.NodeMap.[node]

                if ts.Length = info.Copies then
                    summarise b movedSet info |> Option.map (fun s -> node, s)
                else
                    None)

        if summaries.IsEmpty then
            None
        else
            let summarised = summaries |> List.map fst |> Set.ofList

            let rest =
                terms
                |> List.filter (fun t -> not (summarised.Contains t.Node))
                |> List.map density.Term
                |> Array.ofList

            let generic =
                terms
                |> List.filter (fun t -> summarised.Contains t.Node)
                |> List.map density.Term
                |> Array.ofList

            let parts = summaries |> List.map snd |> Array.ofList
            let starts = parts |> Array.scan (fun k p -> k + p.Width) 1
            let size = starts.[parts.Length]

            // Buffer slot 0 is 1 when every summary is usable, 0 when a child sits on its support's edge.
            let fill (s: float[]) (st: float[]) =
                let mutable ok = true // local flag in a hot loop

                for i in 0 .. parts.Length - 1 do
                    ok <- parts.[i].Fill s st starts.[i] && ok

                st.[0] <- if ok then 1.0 else 0.0

            let eval (s: float[]) (st: float[]) =
                let mutable acc = 0.0 // local accumulation in a hot loop

                for t in rest do
                    acc <- acc + t s

                if st.[0] = 1.0 then
                    for i in 0 .. parts.Length - 1 do
                        acc <- acc + parts.[i].Eval s st starts.[i]
                else
                    for t in generic do
                        acc <- acc + t s

                acc

            Some
                {
                    Moved = Array.ofList moved
                    Summarised = summaries |> List.map fst |> Array.ofList
                    Size = size
                    Fill = fill
                    Eval = eval
                }
