namespace HierFunctional.Analytic

open MathNet.Numerics

/// Posterior mean and standard deviation of one quantity.
type Moments =
    {
        /// Posterior mean.
        Mean: float
        /// Posterior standard deviation.
        Sd: float
    }

/// The ends of a grid axis.
type GridBounds =
    {
        /// Lower end.
        Lower: float
        /// Upper end.
        Upper: float
    }

/// BDA3 §5.3: the exact posterior of the Beta-Binomial hyperparameters on a grid in (log(α/β), log(α+β)).
type BetaBinomialGridPosterior =
    {
        /// Grid bounds of u = log(α/β), found adaptively.
        LogRatioBounds: GridBounds
        /// Grid bounds of v = log(α+β), found adaptively.
        LogSumBounds: GridBounds
        /// u = log(α/β) at the posterior mode.
        ModeLogRatio: float
        /// v = log(α+β) at the posterior mode.
        ModeLogSum: float
        /// log ∫∫ q(u, v) du dv for the unnormalised `GridPosterior.betaBinomialLogDensity` q.
        LogNormalizer: float
        /// Moments of u = log(α/β).
        LogRatio: Moments
        /// Moments of v = log(α+β).
        LogSum: Moments
        /// Moments of the population mean rate α/(α+β). (Under p(α, β) ∝ (α+β)^(−5/2) the posterior of log(α+β)
        /// has an e^(−v/2) tail, so E[α] and E[β] are infinite and are not reported.)
        PopulationMean: Moments
        /// Marginal posterior moments of each group's rate θ_j.
        Theta: Moments[]
        /// Largest change of any reported moment between grids of n and 2n points per axis.
        IntegrationError: float
    }

/// Prior on the population mean μ of the Normal hierarchy.
[<RequireQualifiedAccess>]
type MuPrior =
    /// p(μ) ∝ 1 (BDA3 §5.4).
    | Flat
    /// μ ~ Normal(mean, sd).
    | Normal of mean: float * sd: float

/// Moments of μ and θ_j given τ and the data (the inner, closed-form part of BDA3 §5.4).
type NormalConditional =
    {
        /// E[μ | τ, y] = V_μ·(Σ y_j/(σ_j²+τ²) + m0/s0²).
        MuMean: float
        /// Var(μ | τ, y) = V_μ = 1/(Σ 1/(σ_j²+τ²) + 1/s0²).
        MuVariance: float
        /// E[θ_j | τ, y] = (1−B_j)y_j + B_j·E[μ | τ, y], B_j = σ_j²/(σ_j²+τ²).
        ThetaMean: float[]
        /// Var(θ_j | τ, y) = (1−B_j)σ_j² + B_j²·V_μ.
        ThetaVariance: float[]
    }

/// BDA3 §5.4: the exact posterior of the Normal hierarchy with known σ_j, integrated over τ on a grid.
type NormalHierarchyPosterior =
    {
        /// Grid bounds of τ, found adaptively (the grid itself is uniform in log τ).
        TauBounds: GridBounds
        /// τ values of the grid.
        TauGrid: float[]
        /// Normalised p(τ | y) at the grid points.
        TauDensity: float[]
        /// log ∫ q(τ) dτ for the unnormalised `GridPosterior.normalLogTauDensity` q.
        LogNormalizer: float
        /// Moments of μ.
        Mu: Moments
        /// Moments of τ.
        Tau: Moments
        /// Moments of each θ_j.
        Theta: Moments[]
        /// Largest change of any reported moment between grids of n and 2n points.
        IntegrationError: float
    }

/// Exact full-Bayes posteriors of low-dimensional hierarchies by deterministic integration on adaptive grids.
[<RequireQualifiedAccess>]
module GridPosterior =

    /// How far below its maximum the log-density must fall at the grid edges: log(1e12).
    let private drop = log 1e12

    let private trapezoid (lo: float) (hi: float) n =
        let h = (hi - lo) / float (n - 1)
        Array.init n (fun i -> lo + h * float i), Array.init n (fun i -> if i = 0 || i = n - 1 then h / 2.0 else h)

    let private moments (m1: float) (m2: float) =
        {
            Mean = m1
            Sd = sqrt (max 0.0 (m2 - m1 * m1))
        }

    let private maxDiff (a: Moments[]) (b: Moments[]) =
        Array.map2 (fun x y -> max (abs (x.Mean - y.Mean)) (abs (x.Sd - y.Sd))) a b
        |> Array.max

    // Widens an interval around the mode until logf at each end is `drop` below the peak.
    let private expand1 (logf: float -> float) (mode: float) (width: float) =
        let peak = logf mode

        let rec go lo hi iter =
            if iter > 200 || hi - lo > 1e3 then
                invalidArg
                    "y"
                    "the posterior does not decay within a wide range of log τ; it is probably improper — use a proper prior on τ or more groups."

            let lo' = if logf lo > peak - drop then lo - (hi - lo) / 2.0 else lo
            let hi' = if logf hi > peak - drop then hi + (hi - lo) / 2.0 else hi

            if lo' = lo && hi' = hi then
                lo, hi
            else
                go lo' hi' (iter + 1)

        go (mode - width) (mode + width) 0

    // log(1 + e^x) without overflow
    let private softplus (x: float) =
        if x > 30.0 then x else log (1.0 + exp x)

    // ---- BDA3 §5.3 ------------------------------------------------------------------------------------

    /// Unnormalised log posterior of (u, v) = (log(α/β), log(α+β)) for Beta-Binomial data with
    /// p(α, β) ∝ (α+β)^(−5/2): −(5/2)v + log α + log β (Jacobian αβ) + Σ_j [log B(α+y_j, β+n_j−y_j) − log B(α, β)].
    /// The Beta-function ratio uses lnΓ differences while α+β < 1e5 and, beyond, the exact sums
    /// Σ_{i<y} log(α+i) + Σ_{i<n−y} log(β+i) − Σ_{i<n} log(α+β+i) (differences of log B lose every digit there).
    let betaBinomialLogDensity (successes: int[]) (trials: int[]) =
        if successes.Length <> trials.Length || successes.Length = 0 then
            invalidArg "trials" $"need one trial count per success count; got {successes.Length} and {trials.Length}."

        Array.iteri2
            (fun j y n ->
                if y < 0 || n < 1 || y > n then
                    invalidArg "successes" $"group {j}: need 0 ≤ y ≤ n and n ≥ 1, but y = {y}, n = {n}.")
            successes
            trials

        let groups = Array.zip successes trials |> Array.countBy id // repeated (y, n) pairs share the work
        let nMax = Array.max trials

        fun (u: float) (v: float) ->
            let logA = v - softplus -u
            let logB = v - softplus u
            let a, b = exp logA, exp logB

            if a = 0.0 || b = 0.0 || System.Double.IsInfinity(a + b) then
                -infinity
            else
                let lik =
                    if a + b < 1e5 then
                        // lnΓ differences are accurate to ~1e-10 absolute while α+β < 1e5, and cost O(groups)
                        let lg = SpecialFunctions.GammaLn
                        let ga, gb, gab = lg a, lg b, lg (a + b)

                        groups
                        |> Array.sumBy (fun ((y, n), c) ->
                            float c
                            * (lg (a + float y) - ga + lg (b + float (n - y)) - gb - lg (a + b + float n) + gab))
                    else
                        // prefix sums of log(x+i), local to this evaluation: exact where lnΓ differences cancel
                        let prefix (x: float) =
                            let s = Array.zeroCreate (nMax + 1)

                            for i in 1..nMax do
                                s[i] <- s[i - 1] + log (x + float (i - 1))

                            s

                        let sa, sb, sab = prefix a, prefix b, prefix (a + b)

                        groups
                        |> Array.sumBy (fun ((y, n), c) -> float c * (sa[y] + sb[n - y] - sab[n]))

                -2.5 * v + logA + logB + lik

    // One pass over an n×n trapezoid grid: log normaliser and moments of u, v, α/(α+β) and every θ_j.
    let private ratGrid
        (logq: float -> float -> float)
        (ys: int[])
        (ns: int[])
        (ub: float * float)
        (vb: float * float)
        n
        =
        let us, wu = trapezoid (fst ub) (snd ub) n
        let vs, wv = trapezoid (fst vb) (snd vb) n
        let lq = Array2D.init n n (fun i k -> logq us[i] vs[k])
        let peak = lq |> Seq.cast<float> |> Seq.max
        let acc = Array.zeroCreate (7 + 2 * ys.Length) // running weighted sums, local to this integration

        for i in 0 .. n - 1 do
            for k in 0 .. n - 1 do
                let w = wu[i] * wv[k] * exp (lq[i, k] - peak)
                let a = exp (vs[k] - softplus -us[i])
                let b = exp (vs[k] - softplus us[i])
                let p = a / (a + b)
                let f = [| 1.0; us[i]; us[i] * us[i]; vs[k]; vs[k] * vs[k]; p; p * p |]

                for t in 0..6 do
                    acc[t] <- acc[t] + w * f[t]

                for j in 0 .. ys.Length - 1 do
                    let m = (a + float ys[j]) / (a + b + float ns[j])
                    acc[7 + 2 * j] <- acc[7 + 2 * j] + w * m
                    acc[8 + 2 * j] <- acc[8 + 2 * j] + w * (m * m + m * (1.0 - m) / (a + b + float ns[j] + 1.0))

        let e t = acc[t] / acc[0]

        let ms =
            Array.init (3 + ys.Length) (fun t -> moments (e (1 + 2 * t)) (e (2 + 2 * t)))

        log acc[0] + peak, ms

    /// BDA3 §5.3 rat tumours: the posterior of (log(α/β), log(α+β)) under p(α, β) ∝ (α+β)^(−5/2), integrated on a
    /// trapezoid grid of n×n points whose box is widened from the mode until the density at every edge is below
    /// 1e-12 of the maximum; moments of α/(α+β) and θ_j use E[θ_j|α,β,y] = (α+y_j)/(α+β+n_j) and the law of
    /// total variance. The error is the largest change of a moment between n and 2n points.
    let betaBinomial (gridPoints: int) (successes: int[]) (trials: int[]) : BetaBinomialGridPosterior =
        if gridPoints < 16 then
            invalidArg "gridPoints" $"use at least 16 grid points per axis, but got {gridPoints}."

        let logq = betaBinomialLogDensity successes trials
        let start = EmpiricalBayes.betaBinomialMoments successes trials

        let u0, v0 =
            if start.AtBoundary then
                log (start.PriorMean / (1.0 - start.PriorMean)), 3.0
            else
                log (start.Alpha / start.Beta), log (start.Alpha + start.Beta)

        let mode = Optimize.maximize (fun x -> logq x[0] x[1]) [| u0; v0 |]
        let peak = logq mode[0] mode[1]

        let rec grow (u1, u2) (v1, v2) iter =
            if iter > 200 || u1 < -300.0 || u2 > 300.0 || v1 < -300.0 || v2 > 300.0 then
                invalidArg
                    "successes"
                    "the posterior does not decay within a wide range of (u, v); it is improper when no group has 0 < y < n — add such data or use a proper prior."

            let wu, wv = (u2 - u1) / 2.0, (v2 - v1) / 2.0
            let high x = x > peak - drop
            // the largest log-density along each edge, on 65 points
            let uEdge u =
                fst (trapezoid v1 v2 65) |> Array.map (logq u) |> Array.max

            let vEdge v =
                fst (trapezoid u1 u2 65) |> Array.map (fun u -> logq u v) |> Array.max

            let u1' = if high (uEdge u1) then u1 - wu else u1
            let u2' = if high (uEdge u2) then u2 + wu else u2
            let v1' = if high (vEdge v1) then v1 - wv else v1
            let v2' = if high (vEdge v2) then v2 + wv else v2

            if (u1', u2', v1', v2') = (u1, u2, v1, v2) then
                (u1, u2), (v1, v2)
            else
                grow (u1', u2') (v1', v2') (iter + 1)

        let ub, vb = grow (mode[0] - 0.5, mode[0] + 0.5) (mode[1] - 0.5, mode[1] + 0.5) 0
        let _, coarse = ratGrid logq successes trials ub vb gridPoints
        let logZ, fine = ratGrid logq successes trials ub vb (2 * gridPoints)

        {
            LogRatioBounds = { Lower = fst ub; Upper = snd ub }
            LogSumBounds = { Lower = fst vb; Upper = snd vb }
            ModeLogRatio = mode[0]
            ModeLogSum = mode[1]
            LogNormalizer = logZ
            LogRatio = fine[0]
            LogSum = fine[1]
            PopulationMean = fine[2]
            Theta = fine[3..]
            IntegrationError = maxDiff coarse fine
        }

    // ---- BDA3 §5.4 ------------------------------------------------------------------------------------

    let private checkNormal (y: float[]) (sigma: float[]) =
        if y.Length <> sigma.Length || y.Length = 0 then
            invalidArg
                "sigma"
                $"need one known standard error per estimate; got {y.Length} estimates and {sigma.Length} standard errors."

        sigma
        |> Array.iteri (fun j s ->
            if not (s > 0.0) then
                invalidArg "sigma" $"standard error {j} must be positive, but was {s}.")

    /// Closed-form moments of μ and θ_j given τ for y_j ~ N(θ_j, σ_j²), θ_j ~ N(μ, τ²) (BDA3 eqs. 5.17–5.20):
    /// the Normal(m0, s0) prior on μ enters as one more observation of μ with variance s0² (none if flat).
    let normalConditional (muPrior: MuPrior) (y: float[]) (sigma: float[]) (tau: float) : NormalConditional =
        checkNormal y sigma
        let t2 = tau * tau

        let prec, weighted =
            match muPrior with
            | MuPrior.Flat -> 0.0, 0.0
            | MuPrior.Normal(m0, s0) -> 1.0 / (s0 * s0), m0 / (s0 * s0)

        let w = sigma |> Array.map (fun s -> 1.0 / (s * s + t2))
        let v = 1.0 / (prec + Array.sum w)
        let muHat = v * (weighted + Array.fold2 (fun acc yj wj -> acc + yj * wj) 0.0 y w)
        let b = sigma |> Array.map (fun s -> s * s / (s * s + t2))

        {
            MuMean = muHat
            MuVariance = v
            ThetaMean = Array.map2 (fun yj bj -> (1.0 - bj) * yj + bj * muHat) y b
            ThetaVariance = Array.map2 (fun s bj -> (1.0 - bj) * s * s + bj * bj * v) sigma b
        }

    /// Unnormalised log p(τ | y) = log p(τ) + ½log V_μ + Σ_j log N(y_j | μ̂, σ_j²+τ²) (+ log N(m0 | μ̂, s0²)),
    /// BDA3 eq. 5.21, with μ integrated out analytically.
    let normalLogTauDensity
        (muPrior: MuPrior)
        (logTauPrior: float -> float)
        (y: float[])
        (sigma: float[])
        (tau: float)
        =
        let c = normalConditional muPrior y sigma tau

        let lik =
            Array.fold2
                (fun acc yj s -> acc + Distributions.Normal.PDFLn(c.MuMean, sqrt (s * s + tau * tau), yj))
                0.0
                y
                sigma

        let prior =
            match muPrior with
            | MuPrior.Flat -> 0.0
            | MuPrior.Normal(m0, s0) -> Distributions.Normal.PDFLn(c.MuMean, s0, m0)

        logTauPrior tau + 0.5 * log c.MuVariance + lik + prior

    /// Uniform prior on τ > 0 (log density 0), BDA3's choice in §5.4.
    let uniformTau: float -> float = fun _ -> 0.0

    /// Half-Cauchy(0, scale) log density of τ > 0, up to a constant.
    let halfCauchyTau (scale: float) : float -> float =
        fun tau -> -log(1.0 + (tau / scale) ** 2.0)

    let private normalGrid logg (cond: float -> NormalConditional) j (sb: float * float) n =
        let ss, ws = trapezoid (fst sb) (snd sb) n
        let lg = ss |> Array.map logg
        let peak = Array.max lg
        let w = Array.init n (fun i -> ws[i] * exp (lg[i] - peak))
        let z = Array.sum w
        let acc = Array.zeroCreate (4 + 2 * j) // running weighted sums, local to this integration

        for i in 0 .. n - 1 do
            let tau = exp ss[i]
            let c = cond tau

            let f =
                Array.append
                    [| tau; tau * tau; c.MuMean; c.MuMean ** 2.0 + c.MuVariance |]
                    (Array.init (2 * j) (fun t ->
                        let k = t / 2 in

                        if t % 2 = 0 then
                            c.ThetaMean[k]
                        else
                            c.ThetaMean[k] ** 2.0 + c.ThetaVariance[k]))

            for t in 0 .. f.Length - 1 do
                acc[t] <- acc[t] + w[i] / z * f[t]

        let ms = Array.init (2 + j) (fun t -> moments acc[2 * t] acc[2 * t + 1])
        let taus = ss |> Array.map exp
        // p(τ|y) = p(s|y)/τ with s = log τ
        ms, taus, Array.init n (fun i -> exp (lg[i] - peak) / z / taus[i]), log z + peak

    /// BDA3 §5.4: exact posterior of the Normal hierarchy y_j ~ N(θ_j, σ_j²), θ_j ~ N(μ, τ²) with a flat or Normal
    /// prior on μ and the given log prior density on τ: p(τ | y) (`normalLogTauDensity`) is integrated on a
    /// trapezoid grid uniform in log τ, widened until the density of log τ falls below 1e-12 of its maximum at
    /// both ends; moments of μ and θ_j combine the conditional moments by the law of total variance.
    let normalHierarchy
        (gridPoints: int)
        (muPrior: MuPrior)
        (logTauPrior: float -> float)
        (y: float[])
        (sigma: float[])
        =
        checkNormal y sigma

        if gridPoints < 16 then
            invalidArg "gridPoints" $"use at least 16 grid points, but got {gridPoints}."

        let logg s =
            normalLogTauDensity muPrior logTauPrior y sigma (exp s) + s // density of s = log τ

        let s0 = log (Array.average sigma)
        let mode = Optimize.maximize (fun x -> logg x[0]) [| s0 |]
        let sb = expand1 logg mode[0] 1.0
        let cond = normalConditional muPrior y sigma
        let coarse, _, _, _ = normalGrid logg cond y.Length sb gridPoints
        let fine, taus, dens, logZ = normalGrid logg cond y.Length sb (2 * gridPoints)

        {
            TauBounds =
                {
                    Lower = exp (fst sb)
                    Upper = exp (snd sb)
                }
            TauGrid = taus
            TauDensity = dens
            LogNormalizer = logZ
            Tau = fine[0]
            Mu = fine[1]
            Theta = fine[2..]
            IntegrationError = maxDiff coarse fine
        }
