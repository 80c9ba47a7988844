namespace HierFunctional

open System
open HierFunctional.Inference

/// The executor of the Normal-scale rule: the sd (or variance, or precision) of Normal children under each
/// conjugate or scale-mixture prior, from Σ (y − mean)² computed in O(levels) where the means allow.
[<RequireQualifiedAccess>]
module internal ScaleUpdates =

    /// The state offset of θ when a child's mean is exactly θ[g] for a scalar node θ over g (copy l = level l).
    let private levelMean (b: Bound) (mean: Expr) (levels: int) =
        match mean with
        | Index(Param p, Group g) ->
            match b.NodeMap.TryFind p with
            | Some info when
                info.Scope = Scope.Level g
                && info.Event = Shape.Scalar
                && info.Copies = levels
                && info.Node.Kind.IsParameter
                ->
                Some b.Layout.Offsets.[p]
            | _ -> None
        | _ -> None

    /// A mean of the form offset + x·b[g] with data-only offset and design row x and a parameter vector b over
    /// the levels of g: (offset, x, b, g, k), when the child's mean has that shape.
    let private linearInGroupVector (b: Bound) (child: NodeInfo) (mean: Expr) =
        let groupVector (e: Expr) =
            match e with
            | Index(Param p, Group g) when child.Scope <> Scope.Global ->
                match b.NodeMap.TryFind p with
                | Some info when info.Node.Kind.IsParameter && info.Node.Plate = Plate.Over g ->
                    match info.Event with
                    | Shape.Vector k -> Some(p, g, k)
                    | _ -> None
                | _ -> None
            | _ -> None

        let dot (e: Expr) =
            match e with
            | Dot(x, v) when Factor.isDataOnly x -> groupVector v |> Option.map (fun (p, g, k) -> x, p, g, k)
            | Dot(v, x) when Factor.isDataOnly x -> groupVector v |> Option.map (fun (p, g, k) -> x, p, g, k)
            | _ -> None

        match mean with
        | Add(a, d) when Factor.isDataOnly a && (dot d).IsSome ->
            dot d |> Option.map (fun (x, p, g, k) -> a, x, p, g, k)
        | Add(d, a) when Factor.isDataOnly a && (dot d).IsSome ->
            dot d |> Option.map (fun (x, p, g, k) -> a, x, p, g, k)
        | _ -> dot mean |> Option.map (fun (x, p, g, k) -> Const 0.0, x, p, g, k)

    /// Σ (y − a − x·b_l)² of an observed child over the levels l of a group, from per-level statistics of the
    /// residuals e = y − a − x·β̃_l about a reference β̃_l (a ridge least-squares fit, computed once):
    /// Σ e², Xᵀe and XᵀX give SS_l = Σe² − 2dᵀXᵀe + dᵀXᵀX d with d = b_l − β̃_l, exactly, in O(k²) per level and
    /// without the cancellation of expanding about zero.
    let private linearLevelSquares
        (b: Bound)
        (child: NodeInfo)
        (offset: Expr)
        (design: Expr)
        (p: string)
        (g: string)
        (k: int)
        =
        let zero = UpdateKit.zeroState b
        let value = Slots.childValues b child
        let a = Eval.compileScalar b child.Scope offset
        let xf = Eval.compileValue b child.Scope design
        let level = Eval.groupLevel b child.Scope g
        let levels = b.Groups.[g].Levels.Length
        let rows = Array.init child.Copies (fun r -> Value.vector (xf zero r))
        let ys = Array.init child.Copies (fun r -> value zero r - a zero r)

        let q =
            LevelSums.levelSquares k levels child.Copies level (fun r i -> rows.[r].[i]) (fun r -> ys.[r])

        let off = b.Layout.Offsets.[p]

        fun (s: float[]) -> LevelSums.totalSquares q (fun l i -> s.[off + l * k + i])

    /// Σ ω (y − mean)² and the number of terms over one Normal child with per-row precision weights ω (1 for
    /// sd = link(θ), 1/w² for sd = link(θ)·w). With a mean that is constant within the levels of a group (or
    /// overall) and observed values, the weighted within-level sums of squares are precomputed, so
    /// SS = Σ_levels [W_l + ω_l (ȳ_l − m_l)²] costs O(levels) and stays accurate for data far from zero (no
    /// Σy² − n ȳ² cancellation). With ω = 1 the arithmetic is the unweighted one, operation for operation.
    let private childSquares
        (b: Bound)
        (c: ScaleChild)
        (weighted: bool)
        (weight: int -> float)
        : float * (float[] -> float) =
        let child = Bound.node b c.Node.Name
        let value = Slots.childValues b child
        let mean = Eval.compileScalar b child.Scope c.Mean

        let grouping =
            match Expr.columnRefs c.Mean with
            | [] when Factor.isInvariant b None c.Mean -> Some(fun (_: int) -> 0), 1
            | [ g ] when Factor.isInvariant b (Some g) c.Mean && child.Scope <> Scope.Global ->
                Some(Eval.groupLevel b child.Scope g), b.Groups.[g].Levels.Length
            | _ -> None, 0

        match grouping with
        | Some level, levels when c.Node.Kind.IsObserved ->
            let zero = UpdateKit.zeroState b
            let count = Array.zeroCreate levels
            let mean0 = Array.zeroCreate levels
            let within = Array.zeroCreate levels

            // Welford's update (West's weighted form) keeps the within-level sums of squares exact to rounding; a
            // level's first row sets its mean exactly, as the unweighted update does.
            for r in 0 .. child.Copies - 1 do
                let l = level r
                let y = value zero r

                if weighted then
                    let w = weight r
                    let first = count.[l] = 0.0
                    count.[l] <- count.[l] + w
                    let d = y - mean0.[l]
                    mean0.[l] <- if first then y else mean0.[l] + d * w / count.[l]
                    within.[l] <- within.[l] + w * d * (y - mean0.[l])
                else
                    count.[l] <- count.[l] + 1.0
                    let d = y - mean0.[l]
                    mean0.[l] <- mean0.[l] + d / count.[l]
                    within.[l] <- within.[l] + d * (y - mean0.[l])

            let repr = Slots.representatives levels (Array.init child.Copies level)

            // Local accumulation in the hot loops below.
            match levelMean b c.Mean levels, UpdateKit.perSweep b c.Mean with
            | Some meanOff, _ when repr |> Array.forall (fun r -> r >= 0) ->
                // The mean is the group parameter itself (y ~ N(θ[g], σ)): read θ_l in place, no closure per level.
                // Summed in the fixed block order (`BlockSums`): shards of the groups reproduce it.
                float child.Copies,
                fun s ->
                    BlockSums.total
                        (fun l ->
                            let d = mean0.[l] - s.[meanOff + l]
                            within.[l] + count.[l] * d * d)
                        levels
            | _, Some m when repr |> Array.forall (fun r -> r >= 0) ->
                float child.Copies,
                fun s ->
                    let mv = m s
                    let mutable ss = 0.0

                    for l in 0 .. levels - 1 do
                        let d = mean0.[l] - mv
                        ss <- ss + within.[l] + count.[l] * d * d

                    ss
            | _ ->
                float child.Copies,
                fun s ->
                    let mutable ss = 0.0

                    for l in 0 .. levels - 1 do
                        let r = repr.[l]

                        if r >= 0 then
                            let d = mean0.[l] - mean s r
                            ss <- ss + within.[l] + count.[l] * d * d

                    ss
        | _ when
            not weighted
            && c.Node.Kind.IsObserved
            && (linearInGroupVector b child c.Mean).IsSome
            ->
            let a, x, p, g, k = (linearInGroupVector b child c.Mean).Value
            float child.Copies, linearLevelSquares b child a x p g k
        | _ when not weighted && (LevelSums.splitOf b child c.Mean).IsSome ->
            // a group parameter plus global coefficients × data (radon): O(levels) per sweep
            float child.Copies, LevelSums.sumOfSquares b child (LevelSums.splitOf b child c.Mean).Value
        | _ ->
            match UpdateKit.stateOffset b child, UpdateKit.perSweep b c.Mean with
            | Some off, Some m when not weighted ->
                // Latent children with a per-sweep mean (θ_j ~ N(μ, τ) for τ): Σ(θ − μ)² = M2 + n(θ̄ − μ)² from the
                // copies' moments in the fixed block order (`BlockSums`), which shards of the groups return without
                // knowing the μ drawn after them.
                let copies = child.Copies

                copies,
                fun s ->
                    let mv = m s
                    BlockSums.squaresAbout (BlockSums.totalMoments (fun r -> s.[off + r]) copies) mv
            | _ ->
                float child.Copies,
                if weighted then
                    let omega = Array.init child.Copies weight

                    fun s ->
                        let mutable ss = 0.0 // local accumulation

                        for r in 0 .. child.Copies - 1 do
                            let d = value s r - mean s r
                            ss <- ss + omega.[r] * d * d

                        ss
                else
                    fun s ->
                        let mutable ss = 0.0 // local accumulation

                        for r in 0 .. child.Copies - 1 do
                            let d = value s r - mean s r
                            ss <- ss + d * d

                        ss

    /// The number of terms and Σ (y − mean)² (weighted) of one term of a scale target's conditional: a Normal child,
    /// weighted or not, or a pooled-squares factor (its d and S, data scalars read once).
    let internal sumOfSquares (b: Bound) (c: ScaleChild) : float * (float[] -> float) =
        match c.Term with
        | ScaleTerm.Row -> childSquares b c false (fun _ -> 1.0)
        | ScaleTerm.Weighted w ->
            let child = Bound.node b c.Node.Name
            let wf = Eval.compileScalar b child.Scope w
            let zero = UpdateKit.zeroState b

            childSquares b c true (fun r ->
                let x = wf zero r
                1.0 / (x * x))
        | ScaleTerm.Pooled(count, squares) ->
            let zero = UpdateKit.zeroState b
            let d = Eval.compileScalar b Scope.Global count zero 0
            let ss = Eval.compileScalar b Scope.Global squares zero 0
            d, (fun _ -> ss)

    /// A scale parameter of Normal children (see `NormalConjugacy.normalScale` for the math of each prior).
    let normalScale
        (b: Bound)
        (target: NodeInfo)
        (link: ScaleLink)
        (prior: Dist)
        (children: ScaleChild list)
        : Result<Update, string> =
        let name = target.Node.Name
        let off = b.Layout.Offsets.[name]
        let parts = children |> List.map (sumOfSquares b) |> Array.ofList
        let n = parts |> Array.sumBy fst

        let ss (s: float[]) =
            parts |> Array.sumBy (fun (_, f) -> f s)

        let arg e = Eval.compileScalar b Scope.Global e
        let rule = NormalConjugacy.normalScale.Name

        // Said in the plan: the pushed-down Normal's sd is conjugate on the sums, not sliced over the groups.
        let onSums =
            let named (f: ScaleTerm -> bool) =
                children
                |> List.filter (fun c -> f c.Term)
                |> List.map (fun c -> $"'{c.Node.Name}'")

            match named _.IsWeighted, named _.IsPooled with
            | [], [] -> ""
            | weighted, pooled ->
                let parts =
                    [
                        if not weighted.IsEmpty then
                            $"""weighted children {String.concat ", " weighted}"""
                        if not pooled.IsEmpty then
                            $"""pooled squares {String.concat ", " pooled}"""
                    ]

                let from = String.concat " and " parts
                $"; on the sums: n = {n:R} from {from}"

        let update (run: Random -> float[] -> float) =
            Ok
                {
                    Node = name
                    Method = $"{rule} ({Dist.name prior} on a {(string link).ToLowerInvariant()}{onSums})"
                    Kind = UpdateKind.Rule rule
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun _ ->
                            UpdateStep.scratch (fun rng st ->
                                let x = run rng st.Values
                                UpdateKit.checkFinite name rule x
                                st.Values.[off] <- x)
                }

        match prior, link with
        | Dist.Gamma(a, r), ScaleLink.Precision ->
            let af, rf = arg a, arg r
            update (fun rng s -> ConjugatePosterior.drawPrecision rng { Shape = af s 0; Rate = rf s 0 } n (ss s))
        | Dist.InverseGamma(a, sc), ScaleLink.Variance ->
            let af, sf = arg a, arg sc
            update (fun rng s -> ConjugatePosterior.drawVariance rng { Shape = af s 0; Scale = sf s 0 } n (ss s))
        | Dist.Gamma(a, r), ScaleLink.Variance ->
            // p(v) ∝ v^(a−1) e^(−r v) · v^(−n/2) e^(−SS/(2v))  ⇒  v ~ GIG(a − n/2, χ = SS, ψ = 2r).
            let af, rf = arg a, arg r
            update (fun rng s -> Special.gig rng (af s 0 - 0.5 * n) (ss s) (2.0 * rf s 0))
        | Dist.HalfNormal sd, ScaleLink.Sd ->
            let sf = arg sd
            update (fun rng s -> ConjugatePosterior.drawHalfNormalSd rng (sf s 0) n (ss s))
        | (Dist.HalfCauchy _ | Dist.HalfStudentT _), ScaleLink.Sd ->
            let dof, scale = (NormalUpdates.halfTArguments b prior).Value

            Ok
                {
                    Node = name
                    Method = $"{rule} ({Dist.name prior} on an sd, inverse-gamma mixture augmentation{onSums})"
                    Kind = UpdateKind.Rule rule
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = true
                    Init =
                        fun _ ->
                            let weight = MixingWeight 1.0

                            UpdateStep.withWeight weight (fun rng st ->
                                let s = st.Values

                                let struct (sd, aux) =
                                    ConjugatePosterior.drawHalfStudentT rng (dof s) (scale s) weight.Value n (ss s)

                                UpdateKit.checkFinite name rule sd
                                UpdateKit.checkFinite name rule aux
                                s.[off] <- sd
                                weight.Value <- aux)
                }
        | _ -> Error $"no closed form for a {Dist.name prior} prior on a {link}"
