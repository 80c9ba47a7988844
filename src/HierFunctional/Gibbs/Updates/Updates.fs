namespace HierFunctional

open System
open HierFunctional.Inference

/// The executors of the closed-form updates. Each turns a `Conjugate` match into an `Update` whose sweep costs
/// O(groups) where sufficient statistics apply (data-only parts of every child are summed once, at compile time)
/// and O(child copies) otherwise. Mutation is confined to the chain state an update is handed.
[<RequireQualifiedAccess>]
module internal Updates =

    /// Evaluates a data-only expression for every copy of a scope once.
    let private precompute (b: Bound) (scope: Scope) (copies: int) (e: Expr) =
        let f = Eval.compileScalar b scope e
        let s = UpdateKit.zeroState b
        Array.init copies (fun r -> f s r)

    let private targetIndex (target: NodeInfo) (j: int) =
        if target.Scope = Scope.Global then 0 else j

    // ---------------------------------------------------------------- Normal mean (element-wise)

    /// The general per-row accumulation (no sufficient statistics): every row's offset, coefficient and sd are
    /// evaluated each sweep. Used when the child's coefficient or sd does not factor into an element-invariant part
    /// times data (e.g. a slope that reads a parameter); also the reference the sufficient-statistic path is tested
    /// against.
    let internal rowAccumulator (b: Bound) (target: NodeInfo) (c: GaussianChild) =
        let child = Bound.node b c.Node.Name
        let elementOf = Slots.elementOf b target child c.Slot |> Result.defaultWith failwith
        let value = Slots.childValues b child
        let af = Eval.compileScalar b child.Scope c.Offset
        let cf = Eval.compileScalar b child.Scope c.Coefficient
        let sf = Eval.compileScalar b child.Scope c.Sd

        fun (s: float[]) (prec: float[]) (shift: float[]) (_: float[]) ->
            for r in 0 .. child.Copies - 1 do
                let e = elementOf.[r]
                let cv = cf s r
                let sv = sf s r
                let iv = 1.0 / (sv * sv)
                prec.[e] <- prec.[e] + cv * cv * iv
                shift.[e] <- shift.[e] + cv * iv * (value s r - af s r)

    /// An expression that takes one value per sweep (constants and global scalar parameters only), compiled to
    /// be read once per sweep rather than once per group.
    let private perSweep (b: Bound) (e: Expr) : (float[] -> float) option =
        if Factor.isInvariant b None e then
            let f = Eval.compileScalar b Scope.Global e
            Some(fun s -> f s 0)
        else
            None

    /// Where a latent child's values sit in the state (None for observed children, whose values are data).
    let private stateOffset (b: Bound) (child: NodeInfo) =
        match child.Node.Kind with
        | NodeKind.Observed _ -> None
        | _ -> Some b.Layout.Offsets.[child.Node.Name]

    /// How a Gaussian child's contribution to an element-wise Normal-Normal update is computed each sweep.
    type internal GaussianPath =
        /// Sufficient statistics with the invariant factors read once per sweep: one flat loop over the elements.
        | PerSweep
        /// Sufficient statistics with factors that vary by element (e.g. read a group-level sd): one evaluation
        /// per element.
        | PerElement
        /// No sufficient statistics (offset, coefficient or sd does not factor into invariant × data): every row
        /// is evaluated each sweep.
        | Rows

    /// Which path `gaussianAccumulator` takes for a child: sufficient statistics only when offset, coefficient and
    /// sd each factor into (element-invariant part) × (data), which is when the per-element sums are exact.
    let internal gaussianPath (b: Bound) (target: NodeInfo) (c: GaussianChild) =
        let slotGroup = Slots.group c.Slot

        match
            Factor.split b slotGroup c.Offset, Factor.split b slotGroup c.Coefficient, Factor.split b slotGroup c.Sd
        with
        | Some(aInv, _), Some(cInv, _), Some(sInv, _) ->
            let child = Bound.node b c.Node.Name
            let elementOf = Slots.elementOf b target child c.Slot |> Result.defaultWith failwith

            let allPresent =
                Slots.representatives target.Copies elementOf |> Array.forall (fun r -> r >= 0)

            if allPresent && [ aInv; cInv; sInv ] |> List.forall (Factor.isInvariant b None) then
                PerSweep
            else
                PerElement
        | _ -> Rows

    /// Per-child accumulation into (precision, shift) scratch arrays for the Normal-Normal update.
    let private gaussianAccumulator (b: Bound) (target: NodeInfo) (c: GaussianChild) =
        let child = Bound.node b c.Node.Name
        let elementOf = Slots.elementOf b target child c.Slot |> Result.defaultWith failwith
        let value = Slots.childValues b child
        let slotGroup = Slots.group c.Slot
        let observed = c.Node.Kind.IsObserved

        match
            Factor.split b slotGroup c.Offset, Factor.split b slotGroup c.Coefficient, Factor.split b slotGroup c.Sd
        with
        | Some(aInv, aData), Some(cInv, cData), Some(sInv, sData) ->
            // Sufficient statistics: with c_r = ci·cd_r, s_r = si·sd_r, a_r = ai·ad_r, the element sums are
            // P = Σ cd²/sd², A = Σ cd·ad/sd², Y = Σ cd·y/sd²; then precision += ci²/si²·P, shift += ci/si²·(Y − ai·A).
            // The row-sized arrays are compile-time temporaries; only the element-sized sums are kept.
            let n = target.Copies
            let p = Array.zeroCreate n
            let a = Array.zeroCreate n
            let y = Array.zeroCreate n

            let w =
                let ad = precompute b child.Scope child.Copies aData
                let cd = precompute b child.Scope child.Copies cData
                let sd = precompute b child.Scope child.Copies sData
                let w = Array.init child.Copies (fun r -> cd.[r] / (sd.[r] * sd.[r]))
                let zero = UpdateKit.zeroState b

                for r in 0 .. child.Copies - 1 do
                    let e = elementOf.[r]
                    p.[e] <- p.[e] + cd.[r] * w.[r]
                    a.[e] <- a.[e] + ad.[r] * w.[r]

                    if observed then
                        y.[e] <- y.[e] + w.[r] * value zero r

                w

            let repr = Slots.representatives n elementOf

            // A latent child's weighted element sums Y_e = Σ w_r·x_r, re-formed every sweep (rows kept: O(copies)).
            let latentSums =
                if observed then
                    None
                else
                    let off = (stateOffset b child).Value

                    if n = 1 then
                        // A scalar target (μ of θ_j ~ N(μ, τ)): one running sum, no element lookup.
                        Some(fun (s: float[]) (ys: float[]) ->
                            let mutable t = 0.0 // local accumulation

                            for r in 0 .. child.Copies - 1 do
                                t <- t + w.[r] * s.[off + r]

                            ys.[0] <- t)
                    else
                        Some(fun (s: float[]) (ys: float[]) ->
                            Array.Clear(ys, 0, n)

                            for r in 0 .. child.Copies - 1 do
                                let e = elementOf.[r]
                                ys.[e] <- ys.[e] + w.[r] * s.[off + r])

            match gaussianPath b target c, perSweep b aInv, perSweep b cInv, perSweep b sInv with
            | PerSweep, Some ai, Some ci, Some si ->
                // Fused kernel: the invariant factors are read once per sweep; the loop is closure-free.
                fun (s: float[]) (prec: float[]) (shift: float[]) (yScratch: float[]) ->
                    let ys =
                        match latentSums with
                        | Some fill ->
                            fill s yScratch
                            yScratch
                        | None -> y

                    let cv = ci s
                    let sv = si s
                    let av = ai s
                    let iv = 1.0 / (sv * sv)
                    let k1 = cv * cv * iv
                    let k2 = cv * iv

                    for e in 0 .. n - 1 do
                        prec.[e] <- prec.[e] + k1 * p.[e]
                        shift.[e] <- shift.[e] + k2 * (ys.[e] - av * a.[e])
            | _ ->
                let ai = Eval.compileScalar b child.Scope aInv
                let ci = Eval.compileScalar b child.Scope cInv
                let si = Eval.compileScalar b child.Scope sInv

                fun (s: float[]) (prec: float[]) (shift: float[]) (yScratch: float[]) ->
                    let ys =
                        match latentSums with
                        | Some fill ->
                            fill s yScratch
                            yScratch
                        | None -> y

                    for e in 0 .. n - 1 do
                        let r = repr.[e]

                        if r >= 0 then
                            let cv = ci s r
                            let sv = si s r
                            let iv = 1.0 / (sv * sv)
                            prec.[e] <- prec.[e] + cv * cv * iv * p.[e]
                            shift.[e] <- shift.[e] + cv * iv * (ys.[e] - ai s r * a.[e])
        | _ -> rowAccumulator b target c

    /// The children's part of the Normal-Normal update: fills, for every target element j, the precision P_j and
    /// shift S_j with Σ children log-density = −½ P_j θ_j² + S_j θ_j + const (from sufficient statistics where
    /// they apply). Arguments: state, P, S, and a scratch array of the target's length.
    let gaussianLikelihood (b: Bound) (target: NodeInfo) (children: GaussianChild list) =
        let accumulators =
            children |> List.map (gaussianAccumulator b target) |> Array.ofList

        fun (s: float[]) (prec: float[]) (shift: float[]) (scratch: float[]) ->
            Array.Clear prec
            Array.Clear shift

            for acc in accumulators do
                acc s prec shift scratch

    /// `gaussianLikelihood` by the general per-row path only (no sufficient statistics): the reference the
    /// sufficient-statistic kernels are checked against in the tests.
    let internal gaussianLikelihoodRows (b: Bound) (target: NodeInfo) (children: GaussianChild list) =
        let accumulators = children |> List.map (rowAccumulator b target) |> Array.ofList

        fun (s: float[]) (prec: float[]) (shift: float[]) (scratch: float[]) ->
            Array.Clear prec
            Array.Clear shift

            for acc in accumulators do
                acc s prec shift scratch

    /// Draws every element j of a target from its conditional given the element's Gaussian sufficient statistics
    /// P_j = Σ c²/s² in `prec` and S_j = Σ c(y − a)/s² in `shift`; `kernel` draws one element from its prior's two
    /// arguments and (P_j, S_j). Shared by the Normal and spike-and-slab priors and the augmentation schemes.
    let drawElementsWith
        (kernel: Random -> float -> float -> NormalLinearStats -> float)
        (b: Bound)
        (target: NodeInfo)
        (arg1: Expr)
        (arg2: Expr)
        (rule: string)
        =
        let name = target.Node.Name
        let off = b.Layout.Offsets.[name]
        let f1 = Eval.compileScalar b target.Scope arg1
        let f2 = Eval.compileScalar b target.Scope arg2

        fun (rng: Random) (s: float[]) (prec: float[]) (shift: float[]) ->
            for j in 0 .. target.Copies - 1 do
                let i = targetIndex target j

                let x =
                    kernel
                        rng
                        (f1 s i)
                        (f2 s i)
                        {
                            Precision = prec.[j]
                            Shift = shift.[j]
                        }

                UpdateKit.checkFinite name rule x
                s.[off + j] <- x

    /// The Normal(m0, s0) prior's element draw: posterior precision 1/s0² + P_j, mean (m0/s0² + S_j)/precision.
    let private normalKernel (rng: Random) (m0: float) (s0: float) (stats: NormalLinearStats) =
        ConjugatePosterior.drawNormal rng { Mean = m0; Sd = s0 } stats

    /// `drawElementsWith` for a Normal(m0, s0) prior. When m0 and s0 take one value per sweep (e.g. θ_j ~ N(μ, τ))
    /// the draws run in one closure-free loop with the ziggurat standard normal: the same posterior moments as
    /// `ConjugatePosterior.normal` (same floating-point operations), a cheaper N(0, 1) variate.
    let drawElements (b: Bound) (target: NodeInfo) (m0: Expr) (s0: Expr) (rule: string) =
        match perSweep b m0, perSweep b s0 with
        | Some mf, Some sf ->
            let name = target.Node.Name
            let off = b.Layout.Offsets.[name]

            fun (rng: Random) (s: float[]) (prec: float[]) (shift: float[]) ->
                let m = mf s
                let sd = sf s
                let p0 = 1.0 / (sd * sd)
                let mp0 = m * p0

                for j in 0 .. target.Copies - 1 do
                    let p = p0 + prec.[j]
                    let x = (mp0 + shift.[j]) / p + (1.0 / sqrt p) * StandardNormal.sample rng
                    UpdateKit.checkFinite name rule x
                    s.[off + j] <- x
        | _ -> drawElementsWith normalKernel b target m0 s0 rule

    /// Why some Gaussian child cannot feed `gaussianLikelihood` (no element map to the target, or not scalar), or
    /// None: the precondition the element-wise and positive-coefficient updates share.
    let private unsupportedGaussianChild (b: Bound) (target: NodeInfo) (children: GaussianChild list) : string option =
        children
        |> List.tryPick (fun c ->
            match Slots.elementOf b target (Bound.node b c.Node.Name) c.Slot with
            | Error why -> Some why
            | Ok _ when (Bound.node b c.Node.Name).Event <> Shape.Scalar -> Some $"child '{c.Node.Name}' is not scalar"
            | Ok _ -> None)

    /// An element-wise update from the children's Gaussian sufficient statistics, drawing with `drawElementsWith`.
    let private gaussianElementwise
        (rule: Recogniser<Expr * Expr * GaussianChild list>)
        (drawWith: Bound -> NodeInfo -> Expr -> Expr -> string -> Random -> float[] -> float[] -> float[] -> unit)
        (b: Bound)
        (target: NodeInfo)
        (arg1: Expr)
        (arg2: Expr)
        (children: GaussianChild list)
        : Result<Update, string> =
        match unsupportedGaussianChild b target children with
        | Some why -> Error why
        | None ->
            let n = target.Copies

            let likelihood = gaussianLikelihood b target children
            let draw = drawWith b target arg1 arg2 rule.Name

            Ok
                {
                    Node = target.Node.Name
                    Method = rule.Name
                    Kind = UpdateKind.Rule rule.Name
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun _ ->
                            let prec, shift, scratch =
                                Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n

                            UpdateStep.scratch (fun rng st ->
                                let s = st.Values
                                likelihood s prec shift scratch
                                draw rng s prec shift)
                }

    /// Normal prior × Gaussian children linear in the target (see `Conjugacy.normalMean`).
    let normalMean b target m0 s0 children =
        gaussianElementwise Conjugacy.normalMean drawElements b target m0 s0 children

    /// Two-group prior × Gaussian children linear in the target (see `Conjugacy.spikeAndSlab`).
    let spikeAndSlab b target w sd children =
        gaussianElementwise Conjugacy.spikeAndSlab (drawElementsWith ConjugatePosterior.drawSpikeAndSlab) b target w sd children

    /// (ν, A) of a half-t(ν, A) family prior as functions of the state — ν = 1 for the half-Cauchy, +∞ for the
    /// half-normal — or None for any other prior: the scale-mixture updates all read their prior this way.
    let halfTArguments (b: Bound) (prior: Dist) : ((float[] -> float) * (float[] -> float)) option =
        let arg e =
            let f = Eval.compileScalar b Scope.Global e
            fun s -> f s 0

        match prior with
        | Dist.HalfNormal a -> Some((fun _ -> Double.PositiveInfinity), arg a)
        | Dist.HalfCauchy a -> Some((fun _ -> 1.0), arg a)
        | Dist.HalfStudentT(nu, a) -> Some(arg nu, arg a)
        | _ -> None

    /// A positive scalar entering Normal children's means linearly (see `Conjugacy.normalLinearPositive`): the
    /// children's (P, S) from `gaussianLikelihood`, then the truncated-Normal draw and the mixture weight (aux 0).
    let normalLinearPositive
        (b: Bound)
        (target: NodeInfo)
        (prior: Dist)
        (children: GaussianChild list)
        : Result<Update, string> =
        let rule = Conjugacy.normalLinearPositive.Name
        let name = target.Node.Name
        let off = b.Layout.Offsets.[name]

        let dof, scale =
            match halfTArguments b prior with
            | Some args -> args
            | None -> invalidArg "prior" $"no positive-coefficient update for a {Dist.name prior} prior"

        match unsupportedGaussianChild b target children with
        | Some why -> Error why
        | None when target.Scope <> Scope.Global || target.Copies <> 1 -> Error "the target is not a single scalar"
        | None ->
            let likelihood = gaussianLikelihood b target children

            Ok
                {
                    Node = name
                    Method = $"{rule} ({Dist.name prior}, truncated Normal)"
                    Kind = UpdateKind.Rule rule
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = true
                    Init =
                        fun _ ->
                            let prec, shift, scratch =
                                Array.zeroCreate 1, Array.zeroCreate 1, Array.zeroCreate 1

                            let weight = MixingWeight 1.0

                            UpdateStep.withWeight weight (fun rng st ->
                                let s = st.Values
                                likelihood s prec shift scratch

                                let struct (tau, w) =
                                    ConjugatePosterior.drawPositiveCoefficient
                                        rng
                                        (dof s)
                                        (scale s)
                                        weight.Value
                                        {
                                            Precision = prec.[0]
                                            Shift = shift.[0]
                                        }

                                UpdateKit.checkFinite name rule tau
                                UpdateKit.checkFinite name rule w
                                s.[off] <- tau
                                weight.Value <- w)
                }

    // ---------------------------------------------------------------- Normal scale

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
        let kk = k * k
        let rows = Array.init child.Copies (fun r -> Value.vector (xf zero r))
        let ys = Array.init child.Copies (fun r -> value zero r - a zero r)
        let count = Array.zeroCreate levels
        let gram = Array.zeroCreate (levels * kk)
        let xty = Array.zeroCreate (levels * k)

        for r in 0 .. child.Copies - 1 do
            let l = level r
            count.[l] <- count.[l] + 1

            for i in 0 .. k - 1 do
                xty.[l * k + i] <- xty.[l * k + i] + rows.[r].[i] * ys.[r]

                for j in 0 .. k - 1 do
                    gram.[l * kk + i * k + j] <- gram.[l * kk + i * k + j] + rows.[r].[i] * rows.[r].[j]

        // Reference coefficients: (XᵀX + εI)⁻¹ Xᵀy per level (ε relative to the trace; 0 when that fails).
        let reference = Array.zeroCreate (levels * k)
        let chol = Array.zeroCreate kk

        for l in 0 .. levels - 1 do
            let trace = Seq.sum (seq { for i in 0 .. k - 1 -> gram.[l * kk + i * k + i] })
            Array.blit gram (l * kk) chol 0 kk

            for i in 0 .. k - 1 do
                chol.[i * k + i] <- chol.[i * k + i] + 1e-10 * trace / float k + 1e-300

            if count.[l] > 0 && SmallMv.cholesky k chol 0 then
                Array.blit xty (l * k) reference (l * k) k
                SmallMv.solveLower k chol 0 reference (l * k)
                SmallMv.solveLowerTransposed k chol 0 reference (l * k)

        let sq = Array.zeroCreate levels
        let xte = Array.zeroCreate (levels * k)

        for r in 0 .. child.Copies - 1 do
            let l = level r
            let mutable e = ys.[r]

            for i in 0 .. k - 1 do
                e <- e - rows.[r].[i] * reference.[l * k + i]

            sq.[l] <- sq.[l] + e * e

            for i in 0 .. k - 1 do
                xte.[l * k + i] <- xte.[l * k + i] + rows.[r].[i] * e

        let off = b.Layout.Offsets.[p]

        fun (s: float[]) ->
            let mutable ss = 0.0 // accumulation over levels (hot loop)

            for l in 0 .. levels - 1 do
                if count.[l] > 0 then
                    let mutable lin = 0.0
                    let mutable quad = 0.0

                    for i in 0 .. k - 1 do
                        let di = s.[off + l * k + i] - reference.[l * k + i]
                        lin <- lin + di * xte.[l * k + i]
                        let mutable row = 0.0

                        for j in 0 .. k - 1 do
                            row <- row + gram.[l * kk + i * k + j] * (s.[off + l * k + j] - reference.[l * k + j])

                        quad <- quad + di * row

                    ss <- ss + max 0.0 (sq.[l] - 2.0 * lin + quad)

            ss

    /// Σ (y − mean)² and the number of terms over one Normal child, as a function of the state. With a mean that
    /// is constant within the levels of a group (or overall) and observed values, the within-level sums of squares
    /// are precomputed, so SS = Σ_levels [W_l + n_l (ȳ_l − m_l)²] costs O(levels) and stays accurate for data far
    /// from zero (no Σy² − n ȳ² cancellation).
    let internal sumOfSquares (b: Bound) (c: ScaleChild) : int * (float[] -> float) =
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

            // Welford's update keeps the within-level sums of squares exact to rounding.
            for r in 0 .. child.Copies - 1 do
                let l = level r
                let y = value zero r
                count.[l] <- count.[l] + 1.0
                let d = y - mean0.[l]
                mean0.[l] <- mean0.[l] + d / count.[l]
                within.[l] <- within.[l] + d * (y - mean0.[l])

            let repr = Slots.representatives levels (Array.init child.Copies level)

            // Local accumulation in the hot loops below.
            match levelMean b c.Mean levels, perSweep b c.Mean with
            | Some meanOff, _ when repr |> Array.forall (fun r -> r >= 0) ->
                // The mean is the group parameter itself (y ~ N(θ[g], σ)): read θ_l in place, no closure per level.
                child.Copies,
                fun s ->
                    let mutable ss = 0.0

                    for l in 0 .. levels - 1 do
                        let d = mean0.[l] - s.[meanOff + l]
                        ss <- ss + within.[l] + count.[l] * d * d

                    ss
            | _, Some m when repr |> Array.forall (fun r -> r >= 0) ->
                child.Copies,
                fun s ->
                    let mv = m s
                    let mutable ss = 0.0

                    for l in 0 .. levels - 1 do
                        let d = mean0.[l] - mv
                        ss <- ss + within.[l] + count.[l] * d * d

                    ss
            | _ ->
                child.Copies,
                fun s ->
                    let mutable ss = 0.0

                    for l in 0 .. levels - 1 do
                        let r = repr.[l]

                        if r >= 0 then
                            let d = mean0.[l] - mean s r
                            ss <- ss + within.[l] + count.[l] * d * d

                    ss
        | _ when c.Node.Kind.IsObserved && (linearInGroupVector b child c.Mean).IsSome ->
            let a, x, p, g, k = (linearInGroupVector b child c.Mean).Value
            child.Copies, linearLevelSquares b child a x p g k
        | _ ->
            match stateOffset b child, perSweep b c.Mean with
            | Some off, Some m ->
                // Latent children with a per-sweep mean (θ_j ~ N(μ, τ) for τ): one closure-free pass over the copies.
                child.Copies,
                fun s ->
                    let mv = m s
                    let mutable ss = 0.0 // local accumulation

                    for r in 0 .. child.Copies - 1 do
                        let d = s.[off + r] - mv
                        ss <- ss + d * d

                    ss
            | _ ->
                child.Copies,
                fun s ->
                    let mutable ss = 0.0 // local accumulation

                    for r in 0 .. child.Copies - 1 do
                        let d = value s r - mean s r
                        ss <- ss + d * d

                    ss

    /// A scale parameter of Normal children (see `Conjugacy.normalScale` for the math of each prior).
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
        let n = parts |> Array.sumBy (fst >> float)

        let ss (s: float[]) =
            parts |> Array.sumBy (fun (_, f) -> f s)

        let arg e = Eval.compileScalar b Scope.Global e
        let rule = Conjugacy.normalScale.Name

        let update (run: Random -> float[] -> float) =
            Ok
                {
                    Node = name
                    Method = $"{rule} ({Dist.name prior} on a {(string link).ToLowerInvariant()})"
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
            let dof, scale = (halfTArguments b prior).Value

            Ok
                {
                    Node = name
                    Method = $"{rule} ({Dist.name prior} on an sd, inverse-gamma mixture augmentation)"
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

    // ---------------------------------------------------------------- count children (Beta-Binomial, Gamma-Poisson)

    /// Per target element Σ y and Σ data-part of the size over an observed count child's rows, and each element's
    /// representative row: the compile-time half of a size that factors as (invariant) × (data), shared by
    /// `countSums` and `staticCountSums` so both sum in the same order.
    let private observedCountSums (b: Bound) (n: int) (child: NodeInfo) (elementOf: int[]) (data: Expr) =
        let value = Slots.childValues b child
        let zero = UpdateKit.zeroState b
        let d = precompute b child.Scope child.Copies data
        let ySum = Array.zeroCreate n
        let dSum = Array.zeroCreate n

        for r in 0 .. child.Copies - 1 do
            let e = elementOf.[r]
            ySum.[e] <- ySum.[e] + value zero r
            dSum.[e] <- dSum.[e] + d.[r]

        ySum, dSum, Slots.representatives n elementOf

    /// Per target element: Σ y and Σ size over count children, for the current state. Observed children with a
    /// size that factors as (level-invariant) × (data) are summed once at compile time.
    let internal countSums (b: Bound) (target: NodeInfo) (children: CountChild list) =
        let n = target.Copies

        let parts =
            children
            |> List.map (fun c ->
                let child = Bound.node b c.Node.Name
                let elementOf = Slots.elementOf b target child c.Slot |> Result.defaultWith failwith
                let value = Slots.childValues b child

                match Factor.split b (Slots.group c.Slot) c.Size with
                | Some(inv, data) when c.Node.Kind.IsObserved ->
                    let ySum, dSum, repr = observedCountSums b n child elementOf data
                    let invF = Eval.compileScalar b child.Scope inv

                    fun (s: float[]) (ys: float[]) (sizes: float[]) ->
                        for e in 0 .. n - 1 do
                            if repr.[e] >= 0 then
                                ys.[e] <- ys.[e] + ySum.[e]
                                sizes.[e] <- sizes.[e] + invF s repr.[e] * dSum.[e]
                | _ ->
                    let sizeF = Eval.compileScalar b child.Scope c.Size

                    fun s ys sizes ->
                        for r in 0 .. child.Copies - 1 do
                            let e = elementOf.[r]
                            ys.[e] <- ys.[e] + value s r
                            sizes.[e] <- sizes.[e] + sizeF s r)
            |> Array.ofList

        fun (s: float[]) (ys: float[]) (sizes: float[]) ->
            Array.Clear ys
            Array.Clear sizes

            for p in parts do
                p s ys sizes

    let private countUpdate
        (b: Bound)
        (target: NodeInfo)
        (children: CountChild list)
        (rule: string)
        (draw: Random -> float[] -> int -> float -> float -> float)
        =
        let bad =
            children
            |> List.tryPick (fun c ->
                match Slots.elementOf b target (Bound.node b c.Node.Name) c.Slot with
                | Error why -> Some why
                | Ok _ -> None)

        match bad with
        | Some why -> Error why
        | None ->
            let name = target.Node.Name
            let n = target.Copies
            let off = b.Layout.Offsets.[name]
            let sums = countSums b target children

            Ok
                {
                    Node = name
                    Method = rule
                    Kind = UpdateKind.Rule rule
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun _ ->
                            let ys, sizes = Array.zeroCreate n, Array.zeroCreate n

                            UpdateStep.scratch (fun rng st ->
                                let s = st.Values
                                sums s ys sizes

                                for j in 0 .. n - 1 do
                                    let x = draw rng s (targetIndex target j) ys.[j] sizes.[j]
                                    UpdateKit.checkFinite name rule x
                                    s.[off + j] <- x)
                }

    /// Beta(a, b) × Binomial children → Beta(a + Σy, b + Σ(n − y)).
    let betaBinomial (b: Bound) (target: NodeInfo) (alpha: Expr) (beta: Expr) (children: CountChild list) =
        let af = Eval.compileScalar b target.Scope alpha
        let bf = Eval.compileScalar b target.Scope beta

        countUpdate b target children Conjugacy.betaBinomial.Name (fun rng s i y trials ->
            Numerics.unitOpen (ConjugatePosterior.drawBeta rng { Alpha = af s i; Beta = bf s i } y (trials - y)))

    /// Per target element (Σ y, Σ size) when they do not depend on the state: every child observed, with a size
    /// that factors as (constant) × (data). Summed in the same order as `countSums`, so the values are identical.
    let internal staticCountSums
        (b: Bound)
        (target: NodeInfo)
        (children: CountChild list)
        : (float[] * float[]) option =
        let n = target.Copies

        let fixedPart (c: CountChild) =
            let child = Bound.node b c.Node.Name

            match Slots.elementOf b target child c.Slot, Factor.split b (Slots.group c.Slot) c.Size with
            | Ok elementOf, Some(inv, data) when
                c.Node.Kind.IsObserved
                && List.isEmpty (Expr.paramRefs inv)
                && List.isEmpty (Expr.columnRefs inv)
                ->
                Some(child, elementOf, inv, data)
            | _ -> None

        let parts = children |> List.map fixedPart

        if children.IsEmpty || parts |> List.exists Option.isNone then
            None
        else
            let ys = Array.zeroCreate n
            let sizes = Array.zeroCreate n
            let zero = UpdateKit.zeroState b

            for (child, elementOf, inv, data) in List.choose id parts do
                let ySum, dSum, repr = observedCountSums b n child elementOf data
                let invF = Eval.compileScalar b child.Scope inv

                for e in 0 .. n - 1 do
                    if repr.[e] >= 0 then
                        ys.[e] <- ys.[e] + ySum.[e]
                        sizes.[e] <- sizes.[e] + invF zero repr.[e] * dSum.[e]

            Some(ys, sizes)

    /// Gamma(a, rate b) × Poisson children → Gamma(a + Σy, b + Σ exposure). When the sums are fixed data and a, b
    /// are the same for every element (BUGS pumps), the sweep is one Gamma draw per element over flat arrays.
    let gammaPoisson (b: Bound) (target: NodeInfo) (shape: Expr) (rate: Expr) (children: CountChild list) =
        let af = Eval.compileScalar b target.Scope shape
        let rf = Eval.compileScalar b target.Scope rate
        let rule = Conjugacy.gammaPoisson.Name

        match staticCountSums b target children with
        | Some(ys, sizes) when Factor.readsOnlyScalarGlobals b shape && Factor.readsOnlyScalarGlobals b rate ->
            let name = target.Node.Name
            let n = target.Copies
            let off = b.Layout.Offsets.[name]

            Ok
                {
                    Node = name
                    Method = rule
                    Kind = UpdateKind.Rule rule
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun _ ->
                            UpdateStep.scratch (fun rng st ->
                                let s = st.Values
                                let a = af s 0
                                let r = rf s 0

                                for j in 0 .. n - 1 do
                                    // ConjugatePosterior.gammaPoisson's sums, inlined so no record is built per element.
                                    let x = Numerics.positive (GammaVariate.sample rng (a + ys.[j]) (r + sizes.[j]))
                                    UpdateKit.checkFinite name rule x
                                    s.[off + j] <- x)
                }
        | _ ->
            countUpdate b target children rule (fun rng s i y exposure ->
                Numerics.positive (ConjugatePosterior.drawGammaPoisson rng { Shape = af s i; Rate = rf s i } y exposure))

    // ---------------------------------------------------------------- scalar Gamma rules and Dirichlet

    let private scalarUpdate (b: Bound) (target: NodeInfo) (rule: string) (draw: Random -> float[] -> float) =
        let name = target.Node.Name
        let off = b.Layout.Offsets.[name]

        Ok
            {
                Node = name
                Method = rule
                Kind = UpdateKind.Rule rule
                Exactness = Exactness.Exact
                Reason = ""
                KeepsWeight = false
                Init =
                    fun _ ->
                        UpdateStep.scratch (fun rng st ->
                            let x = Numerics.positive (draw rng st.Values)
                            UpdateKit.checkFinite name rule x
                            st.Values.[off] <- x)
            }

    /// Σ of a child's values and its number of copies.
    let private childTotal (b: Bound) (node: Node) =
        let child = Bound.node b node.Name
        let value = Slots.childValues b child

        child.Copies,
        (fun s ->
            let mutable t = 0.0 in

            (for r in 0 .. child.Copies - 1 do
                t <- t + value s r)

            t)

    /// Gamma(a, rate b) × Exponential children → Gamma(a + n, b + Σx).
    let gammaExponential (b: Bound) (target: NodeInfo) (shape: Expr) (rate: Expr) (children: Node list) =
        let af, rf =
            Eval.compileScalar b Scope.Global shape, Eval.compileScalar b Scope.Global rate

        let totals = children |> List.map (childTotal b)
        let n = totals |> List.sumBy (fst >> float)

        scalarUpdate b target Conjugacy.gammaExponential.Name (fun rng s ->
            ConjugatePosterior.drawGammaExponential
                rng
                { Shape = af s 0; Rate = rf s 0 }
                n
                (totals |> List.sumBy (fun (_, f) -> f s)))

    /// Gamma(c, rate d) on the rate of Gamma(s_i, β) children → Gamma(c + Σ s_i, d + Σ x_i).
    let gammaRateOfGamma (b: Bound) (target: NodeInfo) (shape: Expr) (rate: Expr) (children: (Node * Expr) list) =
        let cf, df =
            Eval.compileScalar b Scope.Global shape, Eval.compileScalar b Scope.Global rate

        let parts =
            children
            |> List.map (fun (node, childShape) ->
                let child = Bound.node b node.Name
                let shapeF = Eval.compileScalar b child.Scope childShape
                let value = Slots.childValues b child
                let copies = child.Copies

                match child.Node.Kind with
                | NodeKind.Parameter _ when Factor.readsOnlyScalarGlobals b childShape ->
                    // One shape for every copy and the values read straight from the state (BUGS pumps' θ).
                    let off = b.Layout.Offsets.[child.Node.Name]

                    fun (s: float[]) ->
                        let mutable total = 0.0 // hot-loop accumulator

                        for r in off .. off + copies - 1 do
                            total <- total + s.[r]

                        struct (float copies * shapeF s 0, total)
                | _ ->
                    fun (s: float[]) ->
                        let mutable shapes = 0.0
                        let mutable total = 0.0

                        for r in 0 .. copies - 1 do
                            shapes <- shapes + shapeF s r
                            total <- total + value s r

                        struct (shapes, total))

        scalarUpdate b target Conjugacy.gammaRateOfGamma.Name (fun rng s ->
            let mutable shapes = 0.0
            let mutable total = 0.0

            for p in parts do
                let struct (a, t) = p s
                shapes <- shapes + a
                total <- total + t

            ConjugatePosterior.drawGammaRate rng { Shape = cf s 0; Rate = df s 0 } shapes 1.0 total)

    /// Dirichlet(α) × Categorical (observed codes 0..K−1) children → Dirichlet(α + counts).
    let dirichletCounts (b: Bound) (target: NodeInfo) (concentration: Expr) (children: Node list) =
        if children |> List.exists (fun c -> not c.Kind.IsObserved) then
            Error "latent categorical children are not supported"
        else
            let k = target.Dim
            let counts = Array.zeroCreate k

            for c in children do
                match c.Kind with
                | NodeKind.Observed(Dist.Categorical _) ->
                    for y in b.Numeric.[c.Name] do
                        counts.[int y] <- counts.[int y] + 1.0
                | _ ->
                    let m = b.Matrices.[c.Name]

                    for r in 0 .. Array2D.length1 m - 1 do
                        for j in 0 .. k - 1 do
                            counts.[j] <- counts.[j] + m.[r, j]

            let name = target.Node.Name
            let off = b.Layout.Offsets.[name]
            let alpha = Eval.compileValue b Scope.Global concentration

            Ok
                {
                    Node = name
                    Method = Conjugacy.dirichletCounts.Name
                    Kind = UpdateKind.Rule Conjugacy.dirichletCounts.Name
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun _ ->
                            UpdateStep.scratch (fun rng st ->
                                let p = ConjugatePosterior.drawDirichlet rng (Value.vector (alpha st.Values 0)) counts
                                p |> Array.iter (UpdateKit.checkFinite name Conjugacy.dirichletCounts.Name)
                                Array.blit p 0 st.Values off k)
                }

    // ---------------------------------------------------------------- MvNormal block (regression coefficients)

    /// Draws a coefficient vector with iid Normal(m0, s0) prior from its MvNormal conditional given the
    /// regression statistics XᵀWX, XᵀW(y − a) (precision I/s0² + XᵀWX, Cholesky solve); shared with augmentation.
    let drawBlock (b: Bound) (target: NodeInfo) (m0: Expr) (s0: Expr) (rule: string) =
        let k = target.Copies
        let name = target.Node.Name
        let off = b.Layout.Offsets.[name]

        let mf, sf =
            Eval.compileScalar b Scope.Global m0, Eval.compileScalar b Scope.Global s0

        fun (rng: Random) (s: float[]) (stats: RegressionStats) ->
            let post =
                MvConjugatePosterior.regressionDiagonal (Array.create k (mf s 0)) (Array.create k (sf s 0)) stats

            let beta = MvConjugatePosterior.drawMvNormal rng post

            for j in 0 .. k - 1 do
                UpdateKit.checkFinite name rule beta.[j]
                s.[off + j] <- beta.[j]

    /// iid Normal(m0, s0) prior on a coefficient vector × children y_i ~ Normal(a_i + x_i·β, s_i) → the MvNormal
    /// full conditional with precision I/s0² + XᵀWX, drawn by Cholesky (see `Conjugacy.normalBlock`). The design
    /// rows must be data. With data-only offsets and an sd that is (scalar parameter) × (data), XᵀWX and XᵀW(y − a)
    /// are summed once at compile time and a sweep costs O(K³); otherwise O(N·K²) without allocating per row.
    let normalBlock
        (b: Bound)
        (target: NodeInfo)
        (m0: Expr)
        (s0: Expr)
        (children: GaussianChild list)
        : Result<Update, string> =
        let k = target.Copies

        let design (c: GaussianChild) =
            let child = Bound.node b c.Node.Name

            if not (Factor.isDataOnly c.Coefficient) then
                Error $"the design of child '{c.Node.Name}' reads parameters"
            elif child.Event <> Shape.Scalar then
                Error $"child '{c.Node.Name}' is not scalar"
            else
                let f = Eval.compileValue b child.Scope c.Coefficient
                let zero = UpdateKit.zeroState b
                let rows = Array.init child.Copies (fun r -> Value.vector (f zero r))

                if rows |> Array.exists (fun x -> x.Length <> k) then
                    Error $"the design rows of child '{c.Node.Name}' do not have {k} columns"
                else
                    Ok(child, MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.DenseOfRowArrays rows)

        let designs = children |> List.map design

        match
            designs
            |> List.tryPick (function
                | Error e -> Some e
                | Ok _ -> None)
        with
        | Some why -> Error why
        | None ->
            let name = target.Node.Name
            let draw = drawBlock b target m0 s0 Conjugacy.normalBlock.Name

            let parts =
                List.zip
                    children
                    (designs
                     |> List.map (function
                         | Ok x -> x
                         | Error _ -> failwith "unreachable"))
                |> List.map (fun (c, (child, x)) ->
                    let value = Slots.childValues b child
                    let n = child.Copies

                    match Factor.split b None c.Sd with
                    | Some(sInv, sData) when Factor.isDataOnly c.Offset && c.Node.Kind.IsObserved ->
                        let zero = UpdateKit.zeroState b
                        let a = precompute b child.Scope n c.Offset
                        let sd = precompute b child.Scope n sData
                        let ys = Array.init n (value zero)
                        let base0 = MvConjugatePosterior.regressionStats x a sd ys
                        let si = Eval.compileScalar b child.Scope sInv

                        fun (s: float[]) (_: float[][]) ->
                            let v = si s 0
                            let w = 1.0 / (v * v)

                            {
                                XtWX = base0.XtWX * w
                                XtWr = base0.XtWr |> Array.map (fun t -> t * w)
                            }
                    | _ ->
                        let af = Eval.compileScalar b child.Scope c.Offset
                        let sdf = Eval.compileScalar b child.Scope c.Sd

                        fun s (buffers: float[][]) ->
                            let a, sd, ys = buffers.[0], buffers.[1], buffers.[2]

                            for r in 0 .. n - 1 do
                                a.[r] <- af s r
                                sd.[r] <- sdf s r
                                ys.[r] <- value s r

                            MvConjugatePosterior.regressionStats x a sd ys)
                |> Array.ofList

            // Three row-sized buffers per child (offsets, sds, values), allocated once per chain.
            let sizes =
                children
                |> List.collect (fun c -> let n = (Bound.node b c.Node.Name).Copies in [ n; n; n ])

            Ok
                {
                    Node = name
                    Method = Conjugacy.normalBlock.Name
                    Kind = UpdateKind.Rule Conjugacy.normalBlock.Name
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun _ ->
                            let buffers = sizes |> List.map Array.zeroCreate<float> |> Array.ofList

                            UpdateStep.scratch (fun rng st ->
                                let s = st.Values

                                let total =
                                    parts
                                    |> Array.mapi (fun i p -> p s (Array.sub buffers (3 * i) 3))
                                    |> Array.reduce (fun p q ->
                                        {
                                            XtWX = p.XtWX + q.XtWX
                                            XtWr = Array.map2 (+) p.XtWr q.XtWr
                                        })

                                draw rng s total)
                }
