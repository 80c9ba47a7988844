namespace HierFunctional

open System
open MathNet.Numerics
open HierFunctional.Inference

/// The Markov blanket of one or more scalar global parameters, evaluated in O(1) per call from the children's
/// sufficient statistics. A slice update evaluates its blanket ~10–20 times per sweep while the children stay
/// fixed, so summarising them once per update (`Fill`) turns J log-densities (J `GammaLn`/`BetaLn` calls) per
/// evaluation into a handful of flops.
type SufficientBlanket =
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
module SufficientBlanket =

    /// One summarised child node: its statistics' width, how to fill them (false when a value is on the edge of
    /// the support, where the generic terms must be used) and the log-density of all copies from them.
    type private Summary =
        {
            Width: int
            Fill: float[] -> float[] -> int -> bool
            Eval: float[] -> float[] -> int -> float
        }

    let private ninf = Double.NegativeInfinity

    let private values (b: Bound) (child: NodeInfo) : (float[] -> int -> float) option =
        match child.Node.Kind with
        | NodeKind.Observed _ ->
            b.Numeric.TryFind child.Node.Name
            |> Option.map (fun ys -> fun (_: float[]) r -> ys.[r])
        | NodeKind.Parameter _ ->
            let off = b.Layout.Offsets.[child.Node.Name]
            Some(fun s r -> s.[off + r])
        | _ -> None

    /// Σ g(x_c) over the copies, and whether every x_c satisfied `inside`.
    let private sumOf (n: int) (x: float[] -> int -> float) (inside: float -> bool) (g: float -> float) (s: float[]) =
        // Local accumulation in a hot loop.
        let mutable acc = 0.0
        let mutable ok = true

        for r in 0 .. n - 1 do
            let v = x s r
            ok <- ok && inside v
            acc <- acc + g v

        struct (acc, ok)

    /// Mean and Σ (h(x) − mean)² by two passes, so Σ (h(x) − m)² = W + n (mean − m)² stays accurate far from 0.
    let private centred (n: int) (x: float[] -> int -> float) (h: float -> float) (s: float[]) =
        let mutable sum = 0.0 // local accumulators in a hot loop

        for r in 0 .. n - 1 do
            sum <- sum + h (x s r)

        let mean = sum / float n
        let mutable w = 0.0

        for r in 0 .. n - 1 do
            let d = h (x s r) - mean
            w <- w + d * d

        struct (mean, w)

    /// A `Fill` writing Σ g(x) and Σ h(x) into two slots: the shape of the Gamma, inverse-Gamma and Beta summaries,
    /// false when a copy is outside `inside` or a sum is not finite.
    let private fillTwoSums
        (n: int)
        (x: float[] -> int -> float)
        (inside: float -> bool)
        (g: float -> float)
        (h: float -> float)
        : float[] -> float[] -> int -> bool =
        fun s st k ->
            let struct (sg, ok) = sumOf n x inside g s
            let struct (sh, _) = sumOf n x inside h s
            st.[k] <- sg
            st.[k + 1] <- sh
            ok && Double.IsFinite sg && Double.IsFinite sh

    let private positive (v: float) = v > 0.0
    let private anywhere (v: float) = Double.IsFinite v

    /// The summary of a child family over n copies with argument closures `a` (state → value), or None.
    let private summary (d: Dist) (n: int) (x: float[] -> int -> float) (a: (float[] -> float)[]) : Summary option =
        let fn = float n

        match d with
        | Dist.Gamma _ ->
            // Σ log p = n(α log β − lnΓ(α)) + (α − 1) Σ log x − β Σ x.
            Some
                {
                    Width = 2
                    Fill = fillTwoSums n x positive log id
                    Eval =
                        fun s st k ->
                            let shape, rate = a.[0]s, a.[1]s

                            if shape > 0.0 && rate > 0.0 then
                                fn * (shape * log rate - SpecialFunctions.GammaLn shape)
                                + (shape - 1.0) * st.[k]
                                - rate * st.[k + 1]
                            else
                                ninf
                }
        | Dist.InverseGamma _ ->
            // Σ log p = n(α log β − lnΓ(α)) − (α + 1) Σ log x − β Σ 1/x.
            Some
                {
                    Width = 2
                    Fill = fillTwoSums n x positive log (fun v -> 1.0 / v)
                    Eval =
                        fun s st k ->
                            let shape, scale = a.[0]s, a.[1]s

                            if shape > 0.0 && scale > 0.0 then
                                fn * (shape * log scale - SpecialFunctions.GammaLn shape)
                                - (shape + 1.0) * st.[k]
                                - scale * st.[k + 1]
                            else
                                ninf
                }
        | Dist.Beta _ ->
            // Σ log p = −n log B(α, β) + (α − 1) Σ log x + (β − 1) Σ log(1 − x).
            let inside v = v > 0.0 && v < 1.0

            Some
                {
                    Width = 2
                    Fill = fillTwoSums n x inside log (fun v -> Numerics.log1p -v)
                    Eval =
                        fun s st k ->
                            let al, be = a.[0]s, a.[1]s

                            if al > 0.0 && be > 0.0 then
                                (al - 1.0) * st.[k] + (be - 1.0) * st.[k + 1]
                                - fn * SpecialFunctions.BetaLn(al, be)
                            else
                                ninf
                }
        | Dist.Exponential _ ->
            // Σ log p = n log λ − λ Σ x.
            Some
                {
                    Width = 1
                    Fill =
                        fun s st k ->
                            let struct (t, ok) = sumOf n x (fun v -> v >= 0.0) id s
                            st.[k] <- t
                            ok && Double.IsFinite t
                    Eval =
                        fun s st k ->
                            let rate = a.[0]s
                            if rate > 0.0 then fn * log rate - rate * st.[k] else ninf
                }
        | Dist.Normal _
        | Dist.LogNormal _ ->
            // Σ log p = −n log σ − n log √(2π) − (W + n (x̄ − μ)²) / (2σ²)  [− Σ log x for the log-normal].
            let logScale =
                match d with
                | Dist.LogNormal _ -> true
                | _ -> false

            let h = if logScale then log else id
            let inside = if logScale then positive else anywhere

            Some
                {
                    Width = 3
                    Fill =
                        fun s st k ->
                            let struct (_, ok) = sumOf n x inside (fun _ -> 0.0) s

                            if ok then
                                let struct (mean, w) = centred n x h s
                                st.[k] <- mean
                                st.[k + 1] <- w
                                st.[k + 2] <- if logScale then fn * mean else 0.0
                                Double.IsFinite mean && Double.IsFinite w
                            else
                                false
                    Eval =
                        fun s st k ->
                            let mu, sd = a.[0]s, a.[1]s

                            if sd > 0.0 then
                                let d = st.[k] - mu

                                -fn * (log sd + Constants.LogSqrt2Pi)
                                - 0.5 * (st.[k + 1] + fn * d * d) / (sd * sd)
                                - st.[k + 2]
                            else
                                ninf
                }
        | _ -> None

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

                        let mutable logDet = 0.0

                        for i in 0 .. k - 1 do
                            logDet <- logDet + 2.0 * log l.[i * k + i]

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
