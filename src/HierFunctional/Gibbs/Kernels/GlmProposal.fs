namespace HierFunctional

open System
open HierFunctional.Inference

/// The numerics of the GLM block's proposal (`GlmBlock`): the log-posterior of a block of coefficients with its
/// gradient and IWLS precision, the damped Newton climb to the mode, and the log-density of the mode-centred
/// Gaussian/multivariate-t mixture. Pure functions over caller-owned scratch arrays, so a chain's sweep allocates nothing.
[<RequireQualifiedAccess>]
module internal GlmProposal =

    [<RequireQualifiedAccess>]
    type Link =
        | Log
        | Logit
        /// NegativeBinomial(exp eta, φ): log link, φ read per row from `Trials`.
        | NegBinLog

    /// One GLM child ready for the sweep: its rows' design (rows × k, row-major, data only), offsets and responses.
    type Child =
        {
            Rows: int
            Link: Link
            X: float[]
            /// The part of eta free of the block, plus log exposure for Poisson rows.
            Offset: Eval.Compiled<float>
            /// Binomial trials (1 for Bernoulli; unused for Poisson), or the NegativeBinomial dispersion φ.
            Trials: Eval.Compiled<float>
            Y: float[]
            /// The child node and its linear predictor without the block (for recognising random effects in it).
            Info: NodeInfo
            FreeOffset: Expr
        }

    /// Log-posterior of the block at `beta` (children and prior, up to a constant), and into `grad` its gradient and
    /// into the lower triangle of `prec` its Fisher information (= the negative Hessian for the canonical links; for
    /// the NegativeBinomial the expected one, which keeps the precision positive definite).
    let expand
        (k: int)
        (children: Child[])
        (childOffsets: float[][])
        (priorMean: float[])
        (priorPrec: float[])
        (s: float[])
        (beta: float[])
        (grad: float[])
        (prec: float[])
        =
        Array.Clear grad
        Array.Clear prec
        let mutable lp = 0.0 // hot loop: accumulators over rows

        for c in 0 .. children.Length - 1 do
            let ch = children.[c]
            let off = childOffsets.[c]

            for r in 0 .. ch.Rows - 1 do
                let xr = r * k
                let mutable eta = off.[r]

                for j in 0 .. k - 1 do
                    eta <- eta + ch.X.[xr + j] * beta.[j]

                let y = ch.Y.[r]

                let resid, w =
                    match ch.Link with
                    | Link.Log ->
                        let mu = exp eta
                        lp <- lp + y * eta - mu
                        y - mu, mu
                    | Link.Logit ->
                        let n = ch.Trials s r
                        let p = 1.0 / (1.0 + exp (-eta))
                        // y·eta − n·log(1 + e^eta), written to stay finite for large |eta|
                        lp <- lp + y * eta - n * (Math.Max(eta, 0.0) + log (1.0 + exp (-(abs eta))))
                        y - n * p, n * p * (1.0 - p)
                    | Link.NegBinLog ->
                        // y·eta − (y + φ)·log(e^eta + φ), with log(e^eta + φ) = log φ + softplus(eta − log φ);
                        // the weight is the Fisher information φμ/(μ + φ), positive whatever y is.
                        let phi = ch.Trials s r
                        let z = eta - log phi
                        let p = 1.0 / (1.0 + exp (-z))

                        lp <-
                            lp + y * eta
                            - (y + phi) * (log phi + Math.Max(z, 0.0) + log (1.0 + exp (-(abs z))))

                        y - (y + phi) * p, phi * p

                for j in 0 .. k - 1 do
                    let xj = ch.X.[xr + j]
                    grad.[j] <- grad.[j] + resid * xj
                    let wx = w * xj

                    for l in 0..j do
                        prec.[j * k + l] <- prec.[j * k + l] + wx * ch.X.[xr + l]

        for j in 0 .. k - 1 do
            let d = beta.[j] - priorMean.[j]
            lp <- lp - 0.5 * priorPrec.[j] * d * d
            grad.[j] <- grad.[j] - priorPrec.[j] * d
            prec.[j * k + j] <- prec.[j * k + j] + priorPrec.[j]

        lp

    /// Σ log L_ii of a Cholesky factor: half the log-determinant of the precision.
    let halfLogDet (k: int) (l: float[]) =
        let mutable acc = 0.0

        for i in 0 .. k - 1 do
            acc <- acc + log l.[i * k + i]

        acc

    /// |Lᵀ d|²: the squared length of d in the metric of P = L Lᵀ.
    let quadLt (k: int) (l: float[]) (d: float[]) =
        let mutable q = 0.0

        for i in 0 .. k - 1 do
            let mutable v = 0.0

            for m in i .. k - 1 do
                v <- v + l.[m * k + i] * d.[m]

            q <- q + v * v

        q

    /// Warm-up moves toward the mode while the Newton step is longer than this many squared proposal sds per
    /// coordinate (a draw from the proposal has about 1).
    let farSteps = 25.0

    /// mean ← from + P⁻¹ grad, for P = L Lᵀ (grad is overwritten by the Newton step).
    let newtonMean (k: int) (l: float[]) (from: float[]) (grad: float[]) (mean: float[]) =
        SmallMv.solveLower k l 0 grad 0
        SmallMv.solveLowerTransposed k l 0 grad 0

        for j in 0 .. k - 1 do
            mean.[j] <- from.[j] + grad.[j]

    /// Whether every coordinate is strictly inside its Uniform prior's bounds (±∞ for the others).
    let inside (k: int) (bounds: float[]) (at: float[]) =
        let mutable ok = true

        for j in 0 .. k - 1 do
            if not (at.[j] > bounds.[2 * j] && at.[j] < bounds.[2 * j + 1]) then
                ok <- false

        ok

    /// log π at `at`; leaves the Cholesky factor of P(at) in prec and the Newton point in mean (NaN if none, or if
    /// `at` is outside a Uniform prior's bounds).
    let prepare k children offs pm pp bounds s grad prec (mean: float[]) (at: float[]) =
        let lp =
            if inside k bounds at then
                expand k children offs pm pp s at grad prec
            else
                nan

        if Double.IsFinite lp && SmallMv.cholesky k prec 0 then
            newtonMean k prec at grad mean
            lp
        else
            nan

    /// Newton steps toward the mode stop when the squared Newton step in the metric of P falls below this (or after
    /// `maxNewton` steps): a deterministic rule of the start point, which keeps the proposal's density computable.
    let modeTolerance = 1e-8

    let maxNewton = 25

    /// Share and degrees of freedom of the proposal's multivariate-t component. One IWLS step from the current point
    /// (Gamerman's proposal) overshoots from a Poisson posterior's long lower tail to far past the mode, and a Gaussian
    /// centred at the mode is lighter-tailed than that posterior: either way the chain can sit at one tail point for
    /// thousands of sweeps. With the t component π/q is bounded, so a tail point is left within a few sweeps.
    let tailShare = 0.25

    let tailDof = 4.0

    /// log of the k-dimensional t(ν) density's normalising constant without |P|^½: Γ((ν+k)/2) / (Γ(ν/2) (νπ)^(k/2)).
    let tLogNormaliser (k: int) =
        LogGamma.value (0.5 * (tailDof + float k))
        - LogGamma.value (0.5 * tailDof)
        - 0.5 * float k * Math.Log(tailDof * Math.PI)

    /// log q(Q) of the proposal mixture at squared Mahalanobis distance Q, given Σ log L_ii of its precision.
    let logProposal (k: int) (tConst: float) (halfLogDetP: float) (q: float) =
        let logN = Math.Log(1.0 - tailShare) - 0.91893853320467274178 * float k - 0.5 * q

        let logT =
            Math.Log tailShare + tConst
            - 0.5 * (tailDof + float k) * Math.Log(1.0 + q / tailDof)

        let top = Math.Max(logN, logT)
        halfLogDetP + top + Math.Log(exp (logN - top) + exp (logT - top))

    /// From `at` (already prepared: Cholesky of P(at) in prec, Newton point in mean, log π = lpAt), damped Newton steps
    /// toward the mode; leaves the last iterate in `at` with the Cholesky of P there in prec. `step` is scratch.
    let climb
        k
        children
        offs
        pm
        pp
        bounds
        s
        grad
        prec
        (mean: float[])
        (step: float[])
        (cand: float[])
        (at: float[])
        lpAt
        =
        let mutable lp = lpAt
        let mutable go = true
        let mutable it = 0

        while go && it < maxNewton do
            it <- it + 1

            for j in 0 .. k - 1 do
                step.[j] <- mean.[j] - at.[j]

            if quadLt k prec step < modeTolerance then
                go <- false
            else
                let mutable t = 1.0
                let mutable found = false

                while not found && t > 1e-6 do
                    for j in 0 .. k - 1 do
                        cand.[j] <- at.[j] + t * step.[j]

                    let lc = prepare k children offs pm pp bounds s grad prec mean cand

                    if lc >= lp then
                        found <- true
                        lp <- lc
                        Array.blit cand 0 at 0 k
                    else
                        t <- 0.5 * t

                if not found then
                    prepare k children offs pm pp bounds s grad prec mean at |> ignore
                    go <- false

    /// One Metropolis–Hastings step from `beta` (prepared: log π = lpCur): a climb from it to the proposal's centre,
    /// a draw from the mode-centred Gaussian/t mixture into `prop`, and the reverse proposal's density from the climb
    /// from `prop`. True when `prop` is accepted. `work` (k), `cand` and `centre` are scratch.
    let step
        k
        tConst
        children
        offs
        pm
        pp
        bounds
        s
        grad
        prec
        (mean: float[])
        (work: float[])
        (cand: float[])
        (centre: float[])
        (prop: float[])
        (beta: float[])
        lpCur
        (rng: Random)
        =
        Array.blit beta 0 centre 0 k
        climb k children offs pm pp bounds s grad prec mean work cand centre lpCur
        // β* = centre + r·L⁻ᵀ z (r = 1, or √(ν/χ²_ν) for the t component), so Q = r²|z|²
        let mutable zz = 0.0

        for j in 0 .. k - 1 do
            let z = StandardNormal.sample rng
            work.[j] <- z
            zz <- zz + z * z

        let r =
            if rng.NextDouble() < tailShare then
                // χ²₄ as twice the sum of two standard exponentials
                let chi2 = -2.0 * (log (1.0 - rng.NextDouble()) + log (1.0 - rng.NextDouble()))
                sqrt (tailDof / chi2)
            else
                1.0

        SmallMv.solveLowerTransposed k prec 0 work 0

        for j in 0 .. k - 1 do
            prop.[j] <- centre.[j] + r * work.[j]

        let logFwd = logProposal k tConst (halfLogDet k prec) (r * r * zz)
        let lpProp = prepare k children offs pm pp bounds s grad prec mean prop

        if not (Double.IsNaN lpProp) then
            Array.blit prop 0 centre 0 k
            climb k children offs pm pp bounds s grad prec mean work cand centre lpProp

            for j in 0 .. k - 1 do
                work.[j] <- beta.[j] - centre.[j]

            let logRev = logProposal k tConst (halfLogDet k prec) (quadLt k prec work)
            log (rng.NextDouble()) < lpProp - lpCur + logRev - logFwd
        else
            false
