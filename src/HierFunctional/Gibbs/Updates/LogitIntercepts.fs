namespace HierFunctional

open System
open HierFunctional.Inference

/// The exact one-element conditional of a Normal-prior logit intercept whose rows share one linear predictor,
/// and an independence Metropolis–Hastings step that leaves it invariant. With η = o_k + c_k θ for the rows of
/// child k that read the element, the log-conditional is −½((θ − m)/s)² + Σ_k Y_k η_k − N_k log(1 + e^(η_k)),
/// with Y_k = Σ y and N_k = Σ n over those rows: O(children) per evaluation, whatever the number of trials.
/// The step proposes from a Student-t centred at the Newton mode with the Laplace scale; the proposal depends only
/// on (m, s, o, c, Y, N), never on the current θ, and its polynomial tails dominate the Gaussian-or-lighter tails of
/// the log-concave conditional, so the importance weights are bounded and the chain is uniformly ergodic.
[<RequireQualifiedAccess>]
module LogitKernel =

    /// Degrees of freedom of the t proposal: heavy enough tails for bounded weights, close enough to the Laplace
    /// Gaussian to accept ~95–98% of proposals on binomial-logit conditionals.
    [<Literal>]
    let ProposalDof = 16.0

    /// log(1 + e^x) without overflow, so rows with extreme η stay finite.
    let softplus (x: float) =
        if x > 0.0 then
            x + log (1.0 + exp -x)
        else
            log (1.0 + exp x)

    /// The per-group sums of a per-row column (Y = Σ y, N = Σ n): the sufficient statistics of rows that share one
    /// linear predictor, so the sweep never visits the rows again.
    let collapse (groups: int) (element: int[]) (values: float[]) : float[] =
        let sums = Array.zeroCreate groups

        for r in 0 .. element.Length - 1 do
            sums.[element.[r]] <- sums.[element.[r]] + values.[r]

        sums

    /// Σ_k Y_k η_k − N_k log(1 + e^(η_k)), η_k = o_k + c_k θ: the binomial-logit log-likelihood of collapsed rows
    /// (up to the binomial coefficients, which are free of θ).
    let logLikelihood (y: float[]) (n: float[]) (o: float[]) (c: float[]) (theta: float) =
        let mutable acc = 0.0

        for k in 0 .. y.Length - 1 do
            let eta = o.[k] + c.[k] * theta
            acc <- acc + y.[k] * eta - n.[k] * softplus eta

        acc

    /// The log-conditional of θ given Normal(m, s) prior and collapsed rows, up to a constant.
    let logConditional (m: float) (s: float) (y: float[]) (n: float[]) (o: float[]) (c: float[]) (theta: float) =
        let z = (theta - m) / s
        -0.5 * z * z + logLikelihood y n o c theta

    /// logConditional at θ1 minus at θ0, with one log per child instead of two:
    /// softplus(η1) − softplus(η0) = log((1 + e^η1)/(1 + e^η0)) while both |η| < 30 (else the stable form).
    let logConditionalRatio
        (m: float)
        (s: float)
        (y: float[])
        (n: float[])
        (o: float[])
        (c: float[])
        (theta1: float)
        (theta0: float)
        =
        let z1, z0 = (theta1 - m) / s, (theta0 - m) / s
        let mutable acc = -0.5 * (z1 * z1 - z0 * z0)

        for k in 0 .. y.Length - 1 do
            let e1 = o.[k] + c.[k] * theta1
            let e0 = o.[k] + c.[k] * theta0

            let dSoftplus =
                if abs e1 < 30.0 && abs e0 < 30.0 then
                    log ((1.0 + exp e1) / (1.0 + exp e0))
                else
                    softplus e1 - softplus e0

            acc <- acc + y.[k] * (e1 - e0) - n.[k] * dSoftplus

        acc

    /// Gradient and negative second derivative of the log-conditional at θ.
    let private derivatives m s (y: float[]) (n: float[]) (o: float[]) (c: float[]) (theta: float) =
        let prec = 1.0 / (s * s)
        let mutable g = -(theta - m) * prec
        let mutable h = prec

        for k in 0 .. y.Length - 1 do
            let p = 1.0 / (1.0 + exp (-(o.[k] + c.[k] * theta)))
            g <- g + c.[k] * (y.[k] - n.[k] * p)
            h <- h + c.[k] * c.[k] * n.[k] * p * (1.0 - p)

        struct (g, h)

    /// Per child the data part of the Newton start, w = N p̂(1 − p̂) and the empirical logit of p̂ = (Y + ½)/(N + 1):
    /// free of every parameter, so an update computes them once at compile time instead of one log per step.
    let empirical (y: float[]) (n: float[]) : struct (float[] * float[]) =
        let p = Array.init y.Length (fun k -> (y.[k] + 0.5) / (n.[k] + 1.0))

        struct (Array.init y.Length (fun k -> n.[k] * p.[k] * (1.0 - p.[k])),
                p |> Array.map (fun q -> log (q / (1.0 - q))))

    /// Newton's method for the mode from x with curvature guess den (see `laplace`).
    let private newtonFrom maxIter m s (y: float[]) (n: float[]) (o: float[]) (c: float[]) (x0: float) (den: float) =
        // local Newton iteration (mutation confined to this loop)
        let mutable x = x0
        let mutable lo = Double.NegativeInfinity
        let mutable hi = Double.PositiveInfinity
        let mutable curvature = den
        let mutable iter = 0
        let mutable fin = false

        while not fin && iter < maxIter do
            let struct (g, h) = derivatives m s y n o c x
            curvature <- h

            if g > 0.0 then lo <- x else hi <- x

            let mutable next = x + g / h

            if not (next > lo && next < hi) && Double.IsFinite lo && Double.IsFinite hi then
                next <- 0.5 * (lo + hi)

            // any deterministic centre and scale keep the MH step exact, so stop once a step is under 0.3 posterior sds
            // (Newton's error after it is ~1e-2 sd, invisible in the acceptance rate) and keep the curvature of the last
            // iterate (one exp saved per element)
            fin <- abs (next - x) * sqrt h < 0.3 || g = 0.0
            x <- next
            iter <- iter + 1

        struct (x, curvature)

    /// The mode of the log-conditional and its curvature there (the Laplace precision), by Newton's method from the
    /// precision-weighted blend of the prior mean and the empirical logits, safeguarded by bisection on the
    /// bracket of the (decreasing) gradient's root. Deterministic in its arguments, so it can centre a proposal.
    let laplace (m: float) (s: float) (y: float[]) (n: float[]) (o: float[]) (c: float[]) : struct (float * float) =
        let prec = 1.0 / (s * s)
        let mutable num = m * prec
        let mutable den = prec

        for k in 0 .. y.Length - 1 do
            if n.[k] > 0.0 && c.[k] <> 0.0 then
                let p = (y.[k] + 0.5) / (n.[k] + 1.0)
                let w = c.[k] * c.[k] * n.[k] * p * (1.0 - p)
                num <- num + w * (log (p / (1.0 - p)) - o.[k]) / c.[k]
                den <- den + w

        newtonFrom 100 m s y n o c (num / den) den

    /// `laplace` with the data part of the start precomputed by `empirical` (w0, ell): the same start, no log.
    let laplaceWithin
        (maxIter: int)
        (m: float)
        (s: float)
        (y: float[])
        (n: float[])
        (o: float[])
        (c: float[])
        (w0: float[])
        (ell: float[])
        : struct (float * float) =
        let prec = 1.0 / (s * s)
        let mutable num = m * prec
        let mutable den = prec

        // local accumulation
        for k in 0 .. y.Length - 1 do
            if n.[k] > 0.0 && c.[k] <> 0.0 then
                let w = c.[k] * c.[k] * w0.[k]
                num <- num + w * (ell.[k] - o.[k]) / c.[k]
                den <- den + w

        newtonFrom maxIter m s y n o c (num / den) den

    /// `laplaceWithin` with Newton run to its 0.3-sd stopping rule.
    let laplaceWith m s y n o c w0 ell = laplaceWithin 100 m s y n o c w0 ell

    /// A standard Student-t draw with ν degrees of freedom (Bailey 1994's polar method: two uniforms per try).
    let studentT (rng: Random) (nu: float) =
        let mutable result = nan

        // rejection loop on the unit disc (local mutation)
        while Double.IsNaN result do
            let u = 2.0 * rng.NextDouble() - 1.0
            let v = 2.0 * rng.NextDouble() - 1.0
            let w = u * u + v * v

            if w > 0.0 && w < 1.0 then
                // w^(−2/ν); for the proposal's ν = 16 three square roots replace Math.Pow
                let pow =
                    if nu = 16.0 then
                        1.0 / sqrt (sqrt (sqrt w))
                    else
                        Math.Pow(w, -2.0 / nu)

                result <- u * sqrt (nu * (pow - 1.0) / w)

        result

    /// The Laplace-t proposal shared by `step` and the τ interweaving move: (centre, scale, draw), a function of
    /// (m, s, y, n, o, c) and the rng only, never of the current value, so it is an independence proposal.
    let propose (rng: Random) m s y n o c : struct (float * float * float) =
        let struct (mode, h) = laplace m s y n o c
        let scale = 1.0 / sqrt h
        struct (mode, scale, mode + scale * studentT rng ProposalDof)

    /// `propose` from the precomputed Newton start (`empirical`) with at most `maxIter` Newton steps: any deterministic
    /// centre keeps the step exact, so a cheaper, slightly worse centre trades acceptance for time.
    let proposeWithin (rng: Random) maxIter m s y n o c w0 ell : struct (float * float * float) =
        let struct (mode, h) = laplaceWithin maxIter m s y n o c w0 ell
        let scale = 1.0 / sqrt h
        struct (mode, scale, mode + scale * studentT rng ProposalDof)

    /// `propose` with the Newton start's data part precomputed by `empirical`.
    let proposeWith (rng: Random) m s y n o c w0 ell : struct (float * float * float) =
        proposeWithin rng 100 m s y n o c w0 ell

    /// log q(θ0) − log q(θ1) for the t proposal centred at `mode` with `scale`: the MH proposal correction.
    let logProposalRatio (mode: float) (scale: float) (theta1: float) (theta0: float) =
        let nu = ProposalDof
        let z0 = (theta0 - mode) / scale
        let z1 = (theta1 - mode) / scale
        0.5 * (nu + 1.0) * log ((1.0 + z1 * z1 / nu) / (1.0 + z0 * z0 / nu))

    /// The Metropolis–Hastings accept/reject of a Laplace-t proposal from θ0, shared by `step` and `stepWith` so
    /// both draw the same uniform (none when the ratio is at least 1) whatever centre they proposed from.
    let private acceptOrStay
        (rng: Random)
        (m: float)
        (s: float)
        (y: float[])
        (n: float[])
        (o: float[])
        (c: float[])
        (mode: float)
        (scale: float)
        (proposal: float)
        (theta0: float)
        : float =
        let logAlpha =
            logConditionalRatio m s y n o c proposal theta0
            + logProposalRatio mode scale proposal theta0

        // accept with probability min(1, e^logAlpha); no uniform is drawn when the ratio is at least 1
        if logAlpha >= 0.0 || rng.NextDouble() < exp logAlpha then
            proposal
        else
            theta0

    /// One independence Metropolis–Hastings step from θ0 targeting the log-conditional: a t proposal centred at the
    /// mode with the Laplace scale. With no informative rows (all N = 0 or c = 0) the conditional is the prior,
    /// drawn exactly.
    let step
        (rng: Random)
        (m: float)
        (s: float)
        (y: float[])
        (n: float[])
        (o: float[])
        (c: float[])
        (theta0: float)
        : float =
        let mutable informative = false

        for k in 0 .. y.Length - 1 do
            if n.[k] > 0.0 && c.[k] <> 0.0 then
                informative <- true

        if not informative then
            MathNet.Numerics.Distributions.Normal.Sample(rng, m, s)
        else
            let struct (mode, scale, proposal) = propose rng m s y n o c
            acceptOrStay rng m s y n o c mode scale proposal theta0

    /// Newton steps for `stepWith`'s proposal centre: on cbpp one step from the empirical-logit start leaves the
    /// min bulk-ESS unchanged (22,871 → 23,503 of 40,000) and saves an exp per herd (logit2-before-after.md).
    [<Literal>]
    let StepNewtonSteps = 1

    /// `step` with the Newton start's data part precomputed by `empirical` (one log fewer per child per step), one
    /// Newton step for the centre and whether any row is informative known in advance: the compiled update's kernel.
    let stepWith
        (rng: Random)
        (m: float)
        (s: float)
        (y: float[])
        (n: float[])
        (o: float[])
        (c: float[])
        (w0: float[])
        (ell: float[])
        (informative: bool)
        (theta0: float)
        : float =
        if not informative then
            MathNet.Numerics.Distributions.Normal.Sample(rng, m, s)
        else
            let struct (mode, scale, proposal) =
                proposeWithin rng StepNewtonSteps m s y n o c w0 ell

            acceptOrStay rng m s y n o c mode scale proposal theta0

/// The update of a Normal-prior target whose logistic children have a linear predictor constant within each of the
/// target's elements (a random intercept with no row-varying term): rows collapse to (Σy, Σn) per element at
/// compile time, and each element takes one `LogitKernel.step`. Chosen over Pólya-Gamma augmentation, whose sweep
/// draws one PG(1, ·) per trial, whenever the rows collapse; other logistic targets keep Pólya-Gamma.
[<RequireQualifiedAccess>]
module internal LogitIntercepts =

    /// The method name shown by `Gibbs.describe`.
    let methodName = "logistic intercepts (Laplace-t independence MH)"

    /// One collapsed child: per element Σy and Σn, and how to evaluate its shared offset and coefficient.
    type private Part =
        {
            SumY: float[]
            SumN: float[]
            Repr: int[]
            Offset: float[] -> int -> float
            Coefficient: float[] -> int -> float
            /// Per-element offset and coefficient when both read no parameter (evaluated once, at compile time).
            Fixed: (float[] * float[]) option
        }

    /// The collapsed form of one child, or None when its rows do not share one linear predictor per element.
    let private part (b: Bound) (target: NodeInfo) (c: LinkedChild) : Part option =
        let child = Bound.node b c.Node.Name
        let slotGroup = Slots.group c.Slot

        match c.Family with
        | GlmFamily.Logistic trials when
            child.Event = Shape.Scalar
            && Factor.isDataOnly trials
            && Factor.isInvariant b slotGroup c.Offset
            && Factor.isInvariant b slotGroup c.Coefficient
            ->
            match Slots.elementOf b target child c.Slot with
            | Ok element ->
                let zero = UpdateKit.zeroState b
                let nf = PolyaGamma.perRow b child trials
                let ns = Array.init child.Copies (nf zero)

                if ns |> Array.forall (fun x -> Double.IsFinite x && x >= 0.0) then
                    let repr = Slots.representatives target.Copies element
                    let offset = PolyaGamma.perRow b child c.Offset
                    let coefficient = PolyaGamma.perRow b child c.Coefficient

                    let at (f: float[] -> int -> float) =
                        repr |> Array.map (fun r -> if r >= 0 then f zero r else 0.0)

                    Some
                        {
                            SumY = LogitKernel.collapse target.Copies element b.Numeric.[c.Node.Name]
                            SumN = LogitKernel.collapse target.Copies element ns
                            Repr = repr
                            Offset = offset
                            Coefficient = coefficient
                            Fixed =
                                if Factor.isDataOnly c.Offset && Factor.isDataOnly c.Coefficient then
                                    Some(at offset, at coefficient)
                                else
                                    None
                        }
                else
                    None
            | Error _ -> None
        | _ -> None

    /// Every child collapsed, or None when one does not collapse.
    let private allParts (b: Bound) (target: NodeInfo) (children: LinkedChild list) =
        let parts = children |> List.map (part b target)

        if parts |> List.forall Option.isSome then
            Some(parts |> List.map Option.get |> Array.ofList)
        else
            None

    /// One element's `LogitKernel.stepWith` from its Normal(m, sd) prior, checked and written to s.[at]: the body the
    /// update's two loops (fixed, or per-sweep offsets and coefficients) share; a plain function, so no closure.
    let private stepElement
        (rng: Random)
        (name: string)
        (s: float[])
        (at: int)
        (m: float)
        (sd: float)
        (y: float[])
        (n: float[])
        (o: float[])
        (c: float[])
        (w0: float[])
        (ell: float[])
        (informative: bool)
        =
        if not (sd > 0.0 && Double.IsFinite sd && Double.IsFinite m) then
            UpdateKit.fail name methodName $"the prior is Normal({m}, {sd})"

        // writes only this element's value (hot loop body)
        let x = LogitKernel.stepWith rng m sd y n o c w0 ell informative s.[at]
        UpdateKit.checkFinite name methodName x
        s.[at] <- x

    /// The collapsed update, or None when some child's rows vary within an element (Pólya-Gamma handles those).
    let tryUpdate (b: Bound) (target: NodeInfo) (prior: GaussianPrior) (children: LinkedChild list) : Update option =
        match prior with
        | GaussianPrior.Elementwise(m0, s0) ->
            match allParts b target children with
            | Some parts ->
                let k = parts.Length
                let name = target.Node.Name
                let off = b.Layout.Offsets.[name]
                let mf = Eval.compileScalar b target.Scope m0
                let sf = Eval.compileScalar b target.Scope s0

                let ys =
                    Array.init target.Copies (fun j -> parts |> Array.map (fun p -> p.SumY.[j]))

                let ns =
                    Array.init target.Copies (fun j -> parts |> Array.map (fun p -> p.SumN.[j]))

                let starts = Array.init target.Copies (fun j -> LogitKernel.empirical ys.[j] ns.[j])
                let w0s = starts |> Array.map (fun (struct (w, _)) -> w)
                let ells = starts |> Array.map (fun (struct (_, e)) -> e)

                // with every offset and coefficient data, each element's are fixed arrays: no per-sweep copy
                let fixedAll =
                    if parts |> Array.forall (fun p -> p.Fixed.IsSome) then
                        let at (pick: float[] * float[] -> float[]) j =
                            parts
                            |> Array.map (fun p -> if p.Repr.[j] >= 0 then (pick p.Fixed.Value).[j] else 0.0)

                        let fo, fc = Array.init target.Copies (at fst), Array.init target.Copies (at snd)

                        let informative =
                            Array.init target.Copies (fun j ->
                                Array.exists2 (fun nn cc -> nn > 0.0 && cc <> 0.0) ns.[j] fc.[j])

                        Some(fo, fc, informative)
                    else
                        None

                Some
                    {
                        Node = name
                        Method = methodName
                        Kind = UpdateKind.LogisticIntercepts
                        Exactness = Exactness.Approximate
                        Reason = ""
                        KeepsWeight = false
                        Init =
                            fun _ ->
                                let os, cs = Array.zeroCreate<float> k, Array.zeroCreate<float> k

                                UpdateStep.scratch (fun rng st ->
                                    let s = st.Values

                                    match fixedAll with
                                    | Some(fo, fc, informative) ->
                                        let glob = target.Scope = Scope.Global
                                        // a global prior's (m, sd) read once: the elements' steps never write them
                                        let mg, sg = (if glob then mf s 0 else nan), (if glob then sf s 0 else nan)

                                        // one kernel step per element (hot loop; writes only this element's value)
                                        for j in 0 .. target.Copies - 1 do
                                            let m, sd = (if glob then mg else mf s j), (if glob then sg else sf s j)

                                            stepElement
                                                rng
                                                name
                                                s
                                                (off + j)
                                                m
                                                sd
                                                ys.[j]
                                                ns.[j]
                                                fo.[j]
                                                fc.[j]
                                                w0s.[j]
                                                ells.[j]
                                                informative.[j]
                                    | None ->
                                        // per-element offsets and coefficients into this chain's scratch (hot loop)
                                        for j in 0 .. target.Copies - 1 do
                                            let mutable informative = false

                                            for q in 0 .. k - 1 do
                                                let r = parts.[q].Repr.[j]

                                                if r >= 0 then
                                                    os.[q] <- parts.[q].Offset s r
                                                    cs.[q] <- parts.[q].Coefficient s r
                                                else
                                                    os.[q] <- 0.0
                                                    cs.[q] <- 0.0

                                                if ns.[j].[q] > 0.0 && cs.[q] <> 0.0 then
                                                    informative <- true

                                            let i = if target.Scope = Scope.Global then 0 else j
                                            let m, sd = mf s i, sf s i

                                            stepElement
                                                rng
                                                name
                                                s
                                                (off + j)
                                                m
                                                sd
                                                ys.[j]
                                                ns.[j]
                                                os
                                                cs
                                                w0s.[j]
                                                ells.[j]
                                                informative)
                    }
            | None -> None
        | _ -> None

    /// Newton steps for the τ step's proposal centre (see `LogitKernel.proposeWithin`).
    [<Literal>]
    let TauNewtonSteps = 1

    /// The τ half of interweaving for θ_j ~ Normal(μ, τ) with collapsed logistic children: with η = (θ − μ)/τ held
    /// fixed, τ's conditional is p(τ) Π_k L_k(μ + τ η_k) (the Normal densities of θ become those of η, free of τ), a
    /// binomial-logit conditional in τ with offsets o + cμ and coefficients cη. One Laplace-t independence MH step
    /// on it costs three passes over the collapsed sums, against ~18 for a slice step on (μ, τ); proposals outside
    /// τ > 0 are rejected. `centreSd` (the HalfNormal scale, else ∞) only centres the proposal; `tauRest` is the exact
    /// log prior of τ plus its dependents other than θ and θ's children. None unless every child's offset and
    /// coefficient are data (so they are fixed per element).
    let tryTauInterweave
        (b: Bound)
        (theta: NodeInfo)
        (mu: NodeInfo)
        (tau: NodeInfo)
        (centreSd: float)
        (tauRest: float[] -> float)
        (children: LinkedChild list)
        : Update option =
        match allParts b theta children with
        | Some parts when parts |> Array.forall (fun p -> p.Fixed.IsSome) ->
            let cells =
                [|
                    for j in 0 .. theta.Copies - 1 do
                        for p in parts do
                            let fo, fc = p.Fixed.Value

                            if p.Repr.[j] >= 0 && p.SumN.[j] > 0.0 && fc.[j] <> 0.0 then
                                yield j, p.SumY.[j], p.SumN.[j], fo.[j], fc.[j]
                |]

            if cells.Length = 0 then
                None
            else
                let elem = cells |> Array.map (fun (j, _, _, _, _) -> j)
                let y = cells |> Array.map (fun (_, v, _, _, _) -> v)
                let n = cells |> Array.map (fun (_, _, v, _, _) -> v)
                let o0 = cells |> Array.map (fun (_, _, _, v, _) -> v)
                let c0 = cells |> Array.map (fun (_, _, _, _, v) -> v)
                let struct (w0, ell) = LogitKernel.empirical y n
                let thetaOff = b.Layout.Offsets.[theta.Node.Name]

                let muOff, tauOff =
                    b.Layout.Offsets.[mu.Node.Name], b.Layout.Offsets.[tau.Node.Name]

                let jn, m = theta.Copies, cells.Length

                Some
                    {
                        Node = $"{tau.Node.Name} | {theta.Node.Name}"
                        Method =
                            $"interweaving (moves {tau.Node.Name} with ({theta.Node.Name} - {mu.Node.Name})/{tau.Node.Name} fixed; Laplace-t MH)"
                        Kind = UpdateKind.Interweaving
                        Exactness = Exactness.Approximate
                        Reason = ""
                        KeepsWeight = false
                        Init =
                            fun _ ->
                                let eta, os, cs =
                                    Array.zeroCreate<float> jn, Array.zeroCreate<float> m, Array.zeroCreate<float> m

                                UpdateStep.scratch (fun rng st ->
                                    let s = st.Values

                                    let mu0, t0 = s.[muOff], s.[tauOff]

                                    // η and the per-cell offsets and coefficients of τ into scratch (hot loop)
                                    for j in 0 .. jn - 1 do
                                        eta.[j] <- (s.[thetaOff + j] - mu0) / t0

                                    for i in 0 .. m - 1 do
                                        os.[i] <- o0.[i] + c0.[i] * mu0
                                        cs.[i] <- c0.[i] * eta.[elem.[i]]

                                    let struct (mode, scale, t1) =
                                        LogitKernel.proposeWithin rng TauNewtonSteps 0.0 centreSd y n os cs w0 ell

                                    if t1 > 0.0 && Double.IsFinite t1 then
                                        let p0 = tauRest s
                                        s.[tauOff] <- t1
                                        let p1 = tauRest s

                                        let logAlpha =
                                            LogitKernel.logConditionalRatio 0.0 Double.PositiveInfinity y n os cs t1 t0
                                            + (p1 - p0)
                                            + LogitKernel.logProposalRatio mode scale t1 t0

                                        if logAlpha >= 0.0 || rng.NextDouble() < exp logAlpha then
                                            for j in 0 .. jn - 1 do
                                                s.[thetaOff + j] <- mu0 + t1 * eta.[j]
                                        else
                                            s.[tauOff] <- t0)
                    }
        | _ -> None
