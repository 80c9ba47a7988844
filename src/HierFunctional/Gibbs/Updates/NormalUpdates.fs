namespace HierFunctional

open System
open HierFunctional.Inference

/// The executors of the Normal-prior rules on means and coefficients: Normal-Normal (element-wise), spike-and-slab,
/// a positive linear coefficient (half-t family prior) and the coefficient block (MvNormal conditional by Cholesky).
/// Draws groups [lo, hi) of an element-wise Normal update: (group streams, update index, sweep, values, P_j, S_j,
/// lo, hi). A delegate rather than a curried function: eight curried arguments would allocate a closure per call.
type internal ElementRangeDraw = delegate of GroupStream * int * int * float[] * float[] * float[] * int * int -> unit

[<RequireQualifiedAccess>]
module internal NormalUpdates =

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
                let i = UpdateKit.targetIndex target j

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
        match UpdateKit.perSweep b m0, UpdateKit.perSweep b s0 with
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

    /// `drawElementsWith` for groups [lo, hi) only, group j drawn from its own stream `gs.At(update, sweep, j)`: the
    /// group-wise form, whose draws do not depend on how the groups are split.
    let drawElementRangeWith
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

        ElementRangeDraw(fun gs update sweep s prec shift lo hi ->
            for j in lo .. hi - 1 do
                let i = UpdateKit.targetIndex target j

                let x =
                    kernel
                        (gs.PhiloxInOrder(update, sweep, j) :> Random)
                        (f1 s i)
                        (f2 s i)
                        {
                            Precision = prec.[j]
                            Shift = shift.[j]
                        }

                UpdateKit.checkFinite name rule x
                s.[off + j] <- x)

    /// `drawElements` for groups [lo, hi) only, group j drawn from its own stream `gs.At(update, sweep, j)`.
    let drawElementRange (b: Bound) (target: NodeInfo) (m0: Expr) (s0: Expr) (rule: string) =
        match UpdateKit.perSweep b m0, UpdateKit.perSweep b s0 with
        | Some mf, Some sf ->
            let name = target.Node.Name
            let off = b.Layout.Offsets.[name]

            ElementRangeDraw(fun gs update sweep s prec shift lo hi ->
                let m = mf s
                let sd = sf s
                let p0 = 1.0 / (sd * sd)
                let mp0 = m * p0
                let mutable first = lo

                // eight groups' N(0, 1) variates at a time, from their streams' first blocks computed together
                while first < hi do
                    let n = min PhiloxBlocks.Stride (hi - first)
                    let z = gs.FirstNormals(update, sweep, first, n)

                    for i in 0 .. n - 1 do
                        let j = first + i
                        let p = p0 + prec.[j]
                        let x = (mp0 + shift.[j]) / p + (1.0 / sqrt p) * z.[i]
                        UpdateKit.checkFinite name rule x
                        s.[off + j] <- x

                    first <- first + n)
        | _ -> drawElementRangeWith normalKernel b target m0 s0 rule

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
        (drawWith: Bound -> NodeInfo -> Expr -> Expr -> string -> ElementRangeDraw)
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

            let likelihood = GaussianLikelihood.gaussianLikelihood b target children
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
                        fun setup ->
                            let prec, shift, scratch =
                                Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n

                            UpdateStep.groupWise
                                {
                                    Count = n
                                    Prepare = fun _ st -> likelihood st.Values prec shift scratch
                                    RunRange =
                                        fun gs st lo hi ->
                                            draw.Invoke(gs, setup.Index, st.Sweep, st.Values, prec, shift, lo, hi)
                                }
                }

    /// Normal prior × Gaussian children linear in the target (see `NormalConjugacy.normalMean`).
    let normalMean b target m0 s0 children =
        gaussianElementwise NormalConjugacy.normalMean drawElementRange b target m0 s0 children

    /// Two-group prior × Gaussian children linear in the target (see `NormalConjugacy.spikeAndSlab`).
    let spikeAndSlab b target w sd children =
        gaussianElementwise
            NormalConjugacy.spikeAndSlab
            (drawElementRangeWith ConjugatePosterior.drawSpikeAndSlab)
            b
            target
            w
            sd
            children

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

    /// A positive scalar entering Normal children's means linearly (see `NormalConjugacy.normalLinearPositive`): the
    /// children's (P, S) from `gaussianLikelihood`, then the truncated-Normal draw and the mixture weight (aux 0).
    let normalLinearPositive
        (b: Bound)
        (target: NodeInfo)
        (prior: Dist)
        (children: GaussianChild list)
        : Result<Update, string> =
        let rule = NormalConjugacy.normalLinearPositive.Name
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
            let likelihood = GaussianLikelihood.gaussianLikelihood b target children

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
    /// full conditional with precision I/s0² + XᵀWX, drawn by Cholesky (see `NormalConjugacy.normalBlock`). The design
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
            let draw = drawBlock b target m0 s0 NormalConjugacy.normalBlock.Name

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
                        let a = UpdateKit.precompute b child.Scope n c.Offset
                        let sd = UpdateKit.precompute b child.Scope n sData
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
                    Method = NormalConjugacy.normalBlock.Name
                    Kind = UpdateKind.Rule NormalConjugacy.normalBlock.Name
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
