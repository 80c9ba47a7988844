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
module internal LogitKernel =

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

    /// The prior's part of `logConditionalRatio`.
    let inline private priorLogRatio (m: float) (s: float) (theta1: float) (theta0: float) =
        let z1, z0 = (theta1 - m) / s, (theta0 - m) / s
        -0.5 * (z1 * z1 - z0 * z0)

    /// One child's part of `logConditionalRatio`, with one log instead of two:
    /// softplus(η1) − softplus(η0) = log((1 + e^η1)/(1 + e^η0)) while both |η| < 30 (else the stable form).
    let inline private childLogRatio (y: float) (n: float) (o: float) (c: float) (theta1: float) (theta0: float) =
        let e1 = o + c * theta1
        let e0 = o + c * theta0

        let dSoftplus =
            if abs e1 < 30.0 && abs e0 < 30.0 then
                log ((1.0 + exp e1) / (1.0 + exp e0))
            else
                softplus e1 - softplus e0

        y * (e1 - e0) - n * dSoftplus

    /// logConditional at θ1 minus at θ0.
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
        let mutable acc = priorLogRatio m s theta1 theta0

        for k in 0 .. y.Length - 1 do
            acc <- acc + childLogRatio y.[k] n.[k] o.[k] c.[k] theta1 theta0

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

    /// Newton's method for the mode from x with curvature guess den (see `laplace`), stopping once a step is under
    /// `tolerance` posterior sds.
    let private newtonFrom maxIter tolerance m s (y: float[]) (n: float[]) (o: float[]) (c: float[]) x0 den =
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
            fin <- abs (next - x) * sqrt h < tolerance || g = 0.0
            x <- next
            iter <- iter + 1

        struct (x, curvature)

    /// Newton's method from the precision-weighted blend of the prior mean and the per-child empirical logits;
    /// `empiricalAt k` gives child k's start weight w = c²N p̂(1 − p̂) and empirical logit, computed per call by
    /// `laplace` or read from `empirical`'s arrays by `laplaceWithin`, so both share one start and one Newton loop.
    let inline private laplaceFrom
        maxIter
        tolerance
        (m: float)
        (s: float)
        (y: float[])
        (n: float[])
        (o: float[])
        (c: float[])
        ([<InlineIfLambda>] empiricalAt: int -> struct (float * float))
        : struct (float * float) =
        let prec = 1.0 / (s * s)
        let mutable num = m * prec
        let mutable den = prec

        // local accumulation
        for k in 0 .. y.Length - 1 do
            if n.[k] > 0.0 && c.[k] <> 0.0 then
                let struct (w, logit) = empiricalAt k
                num <- num + w * (logit - o.[k]) / c.[k]
                den <- den + w

        newtonFrom maxIter tolerance m s y n o c (num / den) den

    /// `laplace` stopping once a step is under `tolerance` posterior sds.
    let private laplaceTo tolerance m s (y: float[]) (n: float[]) (o: float[]) (c: float[]) : struct (float * float) =
        laplaceFrom 100 tolerance m s y n o c (fun k ->
            let p = (y.[k] + 0.5) / (n.[k] + 1.0)
            struct (c.[k] * c.[k] * n.[k] * p * (1.0 - p), log (p / (1.0 - p))))

    /// The mode of the log-conditional and its curvature there (the Laplace precision), by Newton's method from the
    /// precision-weighted blend of the prior mean and the empirical logits, safeguarded by bisection on the
    /// bracket of the (decreasing) gradient's root. Deterministic in its arguments, so it can centre a proposal.
    let laplace (m: float) (s: float) (y: float[]) (n: float[]) (o: float[]) (c: float[]) : struct (float * float) =
        laplaceTo 0.3 m s y n o c

    /// `laplace` with Newton run until a step is under 1e-9 sds: a smooth function of (m, s) to rounding, for a
    /// table whose Hessian is taken by finite differences (`laplace`'s stopping rule makes it jump where the step
    /// count changes).
    let laplaceConverged m s (y: float[]) (n: float[]) (o: float[]) (c: float[]) : struct (float * float) =
        laplaceTo 1e-9 m s y n o c

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
        laplaceFrom maxIter 0.3 m s y n o c (fun k -> struct (c.[k] * c.[k] * w0.[k], ell.[k]))

    /// `laplaceWithin` with Newton run to its 0.3-sd stopping rule.
    let laplaceWith m s y n o c w0 ell = laplaceWithin 100 m s y n o c w0 ell

    /// The accepted point of `studentT`'s polar method, (u, w = u² + v²), from any source of uniforms: the t draw is
    /// u·√(ν(w^(−2/ν) − 1)/w), left to the caller so many can be taken four to a vector (`LogitLanes`).
    let inline polarPointFrom ([<InlineIfLambda>] uniform: unit -> float) : struct (float * float) =
        let mutable u, w = 0.0, 0.0

        // rejection loop on the unit disc (local mutation)
        while not (w > 0.0 && w < 1.0) do
            u <- 2.0 * uniform () - 1.0
            let v = 2.0 * uniform () - 1.0
            w <- u * u + v * v

        struct (u, w)

    /// `studentT` from any source of uniforms, inlined so a caller holding the generator's own type makes no
    /// virtual calls.
    let inline private studentTFrom ([<InlineIfLambda>] uniform: unit -> float) (nu: float) =
        let struct (u, w) = polarPointFrom uniform

        // w^(−2/ν); for the proposal's ν = 16 three square roots replace Math.Pow
        let pow =
            if nu = 16.0 then
                1.0 / sqrt (sqrt (sqrt w))
            else
                Math.Pow(w, -2.0 / nu)

        u * sqrt (nu * (pow - 1.0) / w)

    /// A standard Student-t draw with ν degrees of freedom (Bailey 1994's polar method: two uniforms per try).
    let studentT (rng: Random) (nu: float) =
        studentTFrom (fun () -> rng.NextDouble()) nu

    /// `polarPointFrom` the generator's own type, with no virtual calls.
    let polarPoint (rng: Philox4x32) : struct (float * float) =
        polarPointFrom (fun () -> rng.NextDoubleDirect())

    /// A t draw centred at the Laplace mode with the Laplace scale, from `laplace`'s (mode, curvature).
    let private laplaceT (rng: Random) (struct (mode: float, h: float)) : struct (float * float * float) =
        let scale = 1.0 / sqrt h
        struct (mode, scale, mode + scale * studentT rng ProposalDof)

    /// The Laplace-t proposal shared by `step` and the τ interweaving move: (centre, scale, draw), a function of
    /// (m, s, y, n, o, c) and the rng only, never of the current value, so it is an independence proposal.
    let propose (rng: Random) m s y n o c : struct (float * float * float) = laplaceT rng (laplace m s y n o c)

    /// `propose` from the precomputed Newton start (`empirical`) with at most `maxIter` Newton steps: any deterministic
    /// centre keeps the step exact, so a cheaper, slightly worse centre trades acceptance for time.
    let proposeWithin (rng: Random) maxIter m s y n o c w0 ell : struct (float * float * float) =
        laplaceT rng (laplaceWithin maxIter m s y n o c w0 ell)

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

    /// `stepWith` for an informative element with a single collapsed child (Y, N, o, c scalars) on the generator's own
    /// type: the same arithmetic in the same order, so the same draws bit for bit, without the per-child loops, the
    /// arrays, the virtual generator calls or the unused stopping test of the one Newton step. `prec` is 1/s².
    let stepOne
        (rng: Philox4x32)
        (m: float)
        (s: float)
        (prec: float)
        (y: float)
        (n: float)
        (o: float)
        (c: float)
        (w0: float)
        (ell: float)
        (theta0: float)
        : float =
        // the Newton start (`laplaceFrom`) and its one step (`newtonFrom`, `derivatives`)
        let w = c * c * w0
        let x = (m * prec + w * (ell - o) / c) / (prec + w)
        let p = 1.0 / (1.0 + exp (-(o + c * x)))
        let g = -(x - m) * prec + c * (y - n * p)
        let h = prec + c * c * n * p * (1.0 - p)
        let mode = x + g / h
        // the t proposal (`laplaceT`, `studentT` with ν = 16)
        let scale = 1.0 / sqrt h

        let theta1 =
            mode + scale * studentTFrom (fun () -> rng.NextDoubleDirect()) ProposalDof
        // `acceptOrStay`: `logConditionalRatio` plus `logProposalRatio`, summed in the same order
        let logAlpha =
            priorLogRatio m s theta1 theta0
            + childLogRatio y n o c theta1 theta0
            + logProposalRatio mode scale theta1 theta0

        if logAlpha >= 0.0 || rng.NextDoubleDirect() < exp logAlpha then
            theta1
        else
            theta0

    /// `stepWith` on the generator's own type: an informative element with one child takes `stepOne`, every other
    /// element `stepWith`; the draws are the same either way.
    let inline stepOn
        (rng: Philox4x32)
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
        if informative && y.Length = 1 then
            stepOne rng m s (1.0 / (s * s)) y.[0] n.[0] o.[0] c.[0] w0.[0] ell.[0] theta0
        else
            stepWith (rng :> Random) m s y n o c w0 ell informative theta0
