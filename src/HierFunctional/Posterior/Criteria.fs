namespace HierFunctional

open System
open MathNet.Numerics

/// Deviance information criterion in both the Spiegelhalter and the variance (Gelman) forms.
type Dic =
    {
        /// D̄, the posterior mean of the deviance −2 log p(y | θ).
        MeanDeviance: float
        /// D(θ̄), the deviance at the posterior mean of the parameters.
        DevianceAtMean: float
        /// p_D = D̄ − D(θ̄) (Spiegelhalter et al. 2002).
        PD: float
        /// DIC = D̄ + p_D.
        Dic: float
        /// p_V = var(D)/2 with the n − 1 sample variance (Gelman et al. 2004, as R2jags reports it).
        PV: float
        /// DIC_V = D̄ + p_V.
        DicV: float
    }

/// A total over observations with its standard error √n · sd(pointwise values), as R's loo reports it.
type CriterionEstimate =
    {
        /// The sum of the pointwise values.
        Estimate: float
        /// √n times the sample standard deviation of the pointwise values.
        SE: float
    }

/// Widely applicable information criterion (Watanabe 2010), computed as R `loo::waic` does.
type Waic =
    {
        /// elpd_waic = Σ lppd_i − p_waic.
        ElpdWaic: CriterionEstimate
        /// p_waic = Σ var_s log p(y_i | θ^s).
        PWaic: CriterionEstimate
        /// waic = −2 elpd_waic.
        Waic: CriterionEstimate
        /// Pointwise elpd_waic,i.
        PointwiseElpd: float[]
        /// Pointwise p_waic,i.
        PointwiseP: float[]
        /// Pointwise waic_i.
        PointwiseWaic: float[]
        /// Warnings loo would print (p_waic,i > 0.4).
        Warnings: string list
    }

/// Classification of a Pareto k̂ value with the fixed thresholds of loo 2.5.1 (0.5, 0.7, 1); loo ≥ 2.7 adds a sample-size-dependent one.
[<RequireQualifiedAccess>]
type ParetoK =
    /// k̂ ≤ 0.5: PSIS estimate reliable and fast-converging.
    | Good
    /// 0.5 < k̂ ≤ 0.7: still reliable ("ok").
    | Ok
    /// 0.7 < k̂ ≤ 1: unreliable ("bad").
    | Bad
    /// k̂ > 1 (or not estimated): unusable ("very bad").
    | VeryBad

/// Pareto smoothed importance weights for several observations (one column of log ratios each).
type Psis =
    {
        /// Unnormalised smoothed log weights, indexed [observation][draw].
        LogWeights: float[][]
        /// Pareto shape estimate per observation (+∞ when the tail was too short to fit).
        ParetoK: float[]
        /// Tail length M_i = ⌈min(0.2 S, 3 √(S / r_eff,i))⌉.
        TailLength: int[]
        /// Relative efficiencies used for the tail length and n_eff.
        RelativeEff: float[]
    }

/// PSIS leave-one-out cross-validation (Vehtari, Gelman & Gabry 2017), computed as R `loo::loo` 2.5.1 does.
type Loo =
    {
        /// elpd_loo = Σ log Σ_s w̃_is p(y_i | θ^s).
        ElpdLoo: CriterionEstimate
        /// p_loo = lppd − elpd_loo.
        PLoo: CriterionEstimate
        /// looic = −2 elpd_loo.
        Looic: CriterionEstimate
        /// Pointwise elpd_loo,i.
        PointwiseElpd: float[]
        /// Pointwise Monte Carlo SE of elpd_loo,i (loo's normal-quantile approximation, divided by √r_eff).
        PointwiseMcse: float[]
        /// Pointwise p_loo,i.
        PointwiseP: float[]
        /// Pointwise looic_i.
        PointwiseLooic: float[]
        /// Pareto k̂ per observation.
        ParetoK: float[]
        /// PSIS effective sample size per observation, r_eff,i / Σ_s w̃_is².
        NEff: float[]
        /// Relative efficiencies used.
        RelativeEff: float[]
        /// √Σ mcse_i², or NaN when some k̂ > 0.7 (as `loo:::mcse_loo`).
        McseElpd: float
        /// Warnings loo would print (tail too short, k̂ above 0.5 or 0.7).
        Warnings: string list
    }

/// Model comparison criteria over log-likelihood draws: DIC, WAIC and PSIS-LOO.
/// Log-likelihood inputs are indexed [draw][observation] with chains concatenated.
[<RequireQualifiedAccess>]
module Criteria =
    let private mean (x: float[]) = Array.average x

    // Sample variance with n − 1, as R's var and matrixStats::colVars.
    let private variance (x: float[]) =
        let m = mean x
        (x |> Array.sumBy (fun v -> (v - m) * (v - m))) / float (x.Length - 1)

    let private logSumExp (x: float[]) =
        let m = Array.max x

        if Double.IsNegativeInfinity m || Double.IsPositiveInfinity m then
            m
        else
            m + log (x |> Array.sumBy (fun v -> exp (v - m)))

    let internal estimate (pointwise: float[]) =
        {
            Estimate = Array.sum pointwise
            SE = sqrt (float pointwise.Length * variance pointwise)
        }

    // Transposes [draw][observation] into [observation][draw] after checking the shape.
    let private columns (name: string) (logLik: float[][]) =
        if isNull logLik || logLik.Length < 2 then
            invalidArg name "need at least two draws (rows of the [draw][observation] array)."

        let n = logLik.[0].Length

        if n = 0 then
            invalidArg name "need at least one observation (column)."

        logLik
        |> Array.iteri (fun s row ->
            if row.Length <> n then
                invalidArg
                    name
                    $"row {s} has {row.Length} observations but row 0 has {n}; the array must be rectangular."

            if row |> Array.exists (fun v -> Double.IsNaN v || Double.IsInfinity v) then
                invalidArg name $"row {s} contains a NaN or infinite log-likelihood; all values must be finite.")

        Array.init n (fun i -> Array.init logLik.Length (fun s -> logLik.[s].[i]))

    /// DIC from deviance draws D(θ^s) and the deviance at the posterior mean D(θ̄):
    /// p_D = D̄ − D(θ̄), DIC = D̄ + p_D (Spiegelhalter et al. 2002); p_V = var(D)/2, DIC_V = D̄ + p_V.
    let dic (deviance: float[]) (devianceAtMean: float) : Dic =
        if isNull deviance || deviance.Length < 2 then
            invalidArg "deviance" "need at least two deviance draws."

        let dBar = mean deviance
        let pD = dBar - devianceAtMean
        let pV = variance deviance / 2.0

        {
            MeanDeviance = dBar
            DevianceAtMean = devianceAtMean
            PD = pD
            Dic = dBar + pD
            PV = pV
            DicV = dBar + pV
        }

    /// WAIC from its pointwise parts (elpd_waic,i and p_waic,i), with the totals, SEs and warnings of `waic`.
    let internal waicOfPointwise (elpd: float[]) (p: float[]) : Waic =
        let ic = elpd |> Array.map (fun e -> -2.0 * e)
        let bad = p |> Array.filter (fun v -> v > 0.4) |> Array.length

        let warnings =
            if bad = 0 then
                []
            else
                [
                    $"{bad} ({100.0 * float bad / float p.Length:F1}%%) p_waic estimates greater than 0.4. We recommend trying loo instead."
                ]

        {
            ElpdWaic = estimate elpd
            PWaic = estimate p
            Waic = estimate ic
            PointwiseElpd = elpd
            PointwiseP = p
            PointwiseWaic = ic
            Warnings = warnings
        }

    /// WAIC: lppd_i = log((1/S) Σ_s p(y_i | θ^s)), p_waic,i = var_s log p(y_i | θ^s), elpd_waic,i = lppd_i − p_waic,i,
    /// waic = −2 elpd_waic (Vehtari, Gelman & Gabry 2017, eqs. 11–12), SEs as `loo::waic`.
    let waic (logLik: float[][]) : Waic =
        let cols = columns "logLik" logLik
        let logS = log (float logLik.Length)
        let p = cols |> Array.map variance
        let elpd = cols |> Array.mapi (fun i c -> logSumExp c - logS - p.[i])
        waicOfPointwise elpd p

    // ---- relative efficiency (loo:::ess_rfun, the pre-rank Geyer estimator of Stan 2.18) ----

    // loo:::fft_next_good_size: the next integer ≥ n whose only prime factors are 2, 3 and 5.
    let private nextGoodSize (n: int) =
        let rec smooth m =
            if m % 2 = 0 then smooth (m / 2)
            elif m % 3 = 0 then smooth (m / 3)
            elif m % 5 = 0 then smooth (m / 5)
            else m

        if n <= 2 then
            2
        else
            Seq.initInfinite (fun i -> n + i) |> Seq.find (fun k -> smooth k <= 1)

    // loo:::autocovariance at one lag, computed directly. loo's FFT version divides by N²·2 after an
    // unnormalised inverse FFT of length 2M, which leaves a factor M/N on every lag; kept so r_eff matches.
    let private autocovariance (centred: float[]) (scale: float) (lag: int) =
        let n = centred.Length
        let mutable acc = 0.0 // local accumulator in a hot loop

        for t in 0 .. n - 1 - lag do
            acc <- acc + centred.[t] * centred.[t + lag]

        scale * acc / float n

    // Geyer's initial positive sequence over pairs of autocorrelations, made monotone, then
    // τ = −1 + 2 Σ ρ_t, bounded below by 1/log10(total draws); a line-by-line port of the loop in loo:::ess_rfun.
    let private geyerTau (rhoAt: int -> float) (n: int) (total: float) =
        let rho = Array.zeroCreate n // filled in place, as the R loop does
        rho.[0] <- 1.0
        rho.[1] <- rhoAt 1
        let mutable t = 0
        let mutable even = 1.0
        let mutable odd = rho.[1]

        while t < n - 5 && not (Double.IsNaN(even + odd)) && even + odd > 0.0 do
            t <- t + 2
            even <- rhoAt t
            odd <- rhoAt (t + 1)

            if even + odd >= 0.0 then
                rho.[t] <- even
                rho.[t + 1] <- odd

        let maxT = t

        if even > 0.0 then
            rho.[maxT] <- even

        t <- 0

        while t <= maxT - 4 do
            t <- t + 2

            if rho.[t] + rho.[t + 1] > rho.[t - 2] + rho.[t - 1] then
                rho.[t] <- (rho.[t - 2] + rho.[t - 1]) / 2.0
                rho.[t + 1] <- rho.[t]

        let sumRho = Array.sum rho.[0 .. max (maxT - 1) 0]
        max (-1.0 + 2.0 * sumRho + rho.[maxT]) (1.0 / log10 total)

    /// Effective sample size of draws split into equal-length chains ([chain][iteration]) by Geyer's initial
    /// monotone sequence over the multi-chain autocorrelation, exactly as `loo:::ess_rfun` (loo 2.5.1).
    let essOfChains (chains: float[][]) : float =
        if isNull chains || chains.Length = 0 then
            invalidArg "chains" "need at least one chain."

        let n = chains.[0].Length

        if n < 2 || chains |> Array.exists (fun c -> c.Length <> n) then
            invalidArg "chains" "all chains need the same number (≥ 2) of draws."

        let m = float chains.Length
        let scale = float (nextGoodSize n) / float n

        let centred =
            chains
            |> Array.map (fun c -> let mu = mean c in c |> Array.map (fun v -> v - mu))

        let meanAcov lag =
            (centred |> Array.sumBy (fun c -> autocovariance c scale lag)) / m

        let meanVar = meanAcov 0 * float n / float (n - 1)

        let varPlus =
            meanVar * float (n - 1) / float n
            + (if chains.Length > 1 then
                   variance (chains |> Array.map mean)
               else
                   0.0)

        let rhoAt lag =
            1.0 - (meanVar - meanAcov lag) / varPlus

        m * float n / geyerTau rhoAt n (m * float n)

    /// Relative efficiency r_eff,i = ESS(exp log p(y_i | θ)) / S per observation, as
    /// `loo::relative_eff(exp(logLik), chain_id)`; chainIds gives each draw's chain (any labels, equal-length chains).
    let relativeEff (chainIds: int[]) (logLik: float[][]) : float[] =
        let cols = columns "logLik" logLik

        if isNull chainIds || chainIds.Length <> logLik.Length then
            invalidArg
                "chainIds"
                $"need one chain id per draw ({logLik.Length}), but got {if isNull chainIds then 0 else chainIds.Length}."

        let ids = Array.distinct chainIds |> Array.sort

        let rowsOf =
            ids
            |> Array.map (fun c ->
                [|
                    for s in 0 .. chainIds.Length - 1 do
                        if chainIds.[s] = c then
                            s
                |])

        if rowsOf |> Array.exists (fun r -> r.Length <> rowsOf.[0].Length) then
            invalidArg "chainIds" "all chains must have the same number of draws."

        cols
        |> Array.map (fun c ->
            essOfChains (rowsOf |> Array.map (Array.map (fun s -> exp c.[s])))
            / float c.Length)

    // ---- Pareto smoothed importance sampling ----

    /// Generalized Pareto fit to positive exceedances sorted ascending, by the profile-posterior method of
    /// Zhang & Stephens (2009) with a grid of 30 + ⌊√n⌋ points, then loo's weakly informative shrinkage
    /// k ← (n k + 10 · 0.5)/(n + 10) (`loo:::gpdfit` and `adjust_k_wip`). Returns (k, σ).
    let gpdFit (sortedExceedances: float[]) : float * float =
        let x = sortedExceedances
        let n = x.Length
        let m = 30 + int (floor (sqrt (float n)))
        let xStar = x.[int (floor (float n / 4.0 + 0.5)) - 1]

        let theta =
            Array.init m (fun j -> 1.0 / x.[n - 1] + (1.0 - sqrt (float m / (float (j + 1) - 0.5))) / 3.0 / xStar)

        let profile t =
            let a = -t
            let k = x |> Array.averageBy (fun v -> SpecialFunctions.Log1p(a * v))
            float n * (log (a / k) - k - 1.0)

        let l = theta |> Array.map profile
        let lse = logSumExp l
        let thetaHat = Array.fold2 (fun acc t li -> acc + t * exp (li - lse)) 0.0 theta l
        let k = x |> Array.averageBy (fun v -> SpecialFunctions.Log1p(-thetaHat * v))
        let sigma = -k / thetaHat
        let kAdj = k * float n / float (n + 10) + 10.0 * 0.5 / float (n + 10)
        (if Double.IsNaN kAdj then Double.PositiveInfinity else kAdj), sigma

    // Generalized Pareto quantile σ (( 1 − p)^(−k) − 1)/k, as loo:::qgpd.
    let private qgpd (p: float) (k: float) (sigma: float) =
        if Double.IsNaN sigma || sigma <= 0.0 then
            nan
        else
            sigma * SpecialFunctions.Expm1(-k * SpecialFunctions.Log1p(-p)) / k

    /// Tail length for PSIS, ⌈min(0.2 S, 3 √(S / r_eff))⌉ (`loo:::n_pareto`).
    let tailLength (draws: int) (rEff: float) : int =
        int (ceil (min (0.2 * float draws) (3.0 * sqrt (float draws / rEff))))

    let private machineEpsilon = Math.Pow(2.0, -52.0)

    /// Pareto smoothing of one vector of log importance ratios (`loo:::do_psis_i`): the largest M ratios are
    /// replaced by expected order statistics of the fitted generalized Pareto, then truncated at the raw maximum.
    /// Tails shorter than 5 are left unsmoothed with k̂ = +∞. Returns (smoothed log weights, k̂).
    let psisSmooth (tailLen: int) (logRatios: float[]) : float[] * float =
        let s = logRatios.Length
        let top = Array.max logRatios
        let lw = logRatios |> Array.map (fun v -> v - top)
        let mutable khat = Double.PositiveInfinity

        if tailLen >= 5 && tailLen < s then
            let order = Array.init s id |> Array.sortWith (fun a b -> compare lw.[a] lw.[b]) // stable, like R's radix sort
            let tailIdx = order.[s - tailLen ..]
            let tail = tailIdx |> Array.map (fun j -> lw.[j])

            if abs (tail.[tail.Length - 1] - tail.[0]) >= machineEpsilon / 100.0 then // else loo warns and skips
                let cutoff = lw.[order.[s - tailLen - 1]]
                let expCut = exp cutoff
                let k, sigma = gpdFit (tail |> Array.map (fun v -> exp v - expCut))
                khat <- k

                if not (Double.IsInfinity k) then
                    tailIdx
                    |> Array.iteri (fun r j -> lw.[j] <- log (qgpd ((float r + 0.5) / float tailLen) k sigma + expCut))

        (lw |> Array.map (fun v -> (if v > 0.0 then 0.0 else v) + top)), khat

    /// PSIS over observations: column i of the [draw][observation] log ratios is smoothed with tail length from rEff.[i].
    let psis (rEff: float[]) (logRatios: float[][]) : Psis =
        let cols = columns "logRatios" logRatios

        if isNull rEff || rEff.Length <> cols.Length then
            invalidArg "rEff" $"need one relative efficiency per observation ({cols.Length})."

        rEff
        |> Array.iteri (fun i r ->
            if not (r > 0.0 && r < infinity) then
                invalidArg
                    "rEff"
                    $"relative efficiency of observation {i + 1} is {r}; it must be positive and finite (use 1 for independent draws).")

        let tails = rEff |> Array.map (tailLength logRatios.Length)
        let smoothed = Array.map2 psisSmooth tails cols

        {
            LogWeights = Array.map fst smoothed
            ParetoK = Array.map snd smoothed
            TailLength = tails
            RelativeEff = Array.copy rEff
        }

    /// The category loo's pareto_k_table puts k̂ in: (−∞, 0.5], (0.5, 0.7], (0.7, 1], (1, ∞).
    let classifyParetoK (k: float) : ParetoK =
        if k <= 0.5 then ParetoK.Good
        elif k <= 0.7 then ParetoK.Ok
        elif k <= 1.0 then ParetoK.Bad
        else ParetoK.VeryBad

    // Normal quantiles at loo's 1000 Blom plotting positions (r − 3/8)/(1000 − 3/4 + 1).
    let private blomQuantiles =
        lazy
            (Array.init 1000 (fun r ->
                Distributions.Normal.InvCDF(0.0, 1.0, (float (r + 1) - 0.375) / (1000.0 - 0.75 + 1.0))))

    // loo:::mcse_elpd: the variance of log of a normal approximation to E[p(y_i | y_-i)], evaluated at
    // 1000 normal quantiles (Blom plotting positions), divided by r_eff.
    let private mcseElpd (ll: float[]) (lwNorm: float[]) (elpd: float) (rEff: float) =
        let ePd = exp elpd

        let varEpd =
            Array.fold2 (fun acc l w -> let d = exp l - ePd in acc + exp (2.0 * w) * d * d) 0.0 ll lwNorm

        let sd = sqrt varEpd

        let z =
            blomQuantiles.Force()
            |> Array.map (fun q -> ePd + sd * q)
            |> Array.filter (fun v -> v > 0.0)

        sqrt (variance (z |> Array.map log) / rEff)

    let private listIds (ids: int[]) = String.Join(", ", ids)

    let private looWarnings (tailLength: int[]) (paretoK: float[]) =
        let badTails =
            tailLength
            |> Array.indexed
            |> Array.filter (fun (_, m) -> m < 5)
            |> Array.map (fun (i, _) -> i + 1)

        let kWarning =
            if paretoK |> Array.exists (fun k -> k > 0.7) then
                let ids =
                    paretoK
                    |> Array.indexed
                    |> Array.filter (fun (_, k) -> k > 0.7)
                    |> Array.map (fun (i, _) -> i + 1)

                [
                    $"Some Pareto k diagnostic values are too high (k > 0.7 at observations {listIds ids}); the PSIS-LOO estimate for them is unreliable."
                ]
            elif paretoK |> Array.exists (fun k -> k > 0.5) then
                [ "Some Pareto k diagnostic values are slightly high (0.5 < k <= 0.7)." ]
            else
                []

        let tailWarning =
            if badTails.Length = 0 then
                []
            else
                [
                    $"Not enough tail samples to fit the generalized Pareto distribution at observations {listIds badTails}; they were not smoothed (k = Inf)."
                ]

        tailWarning @ kWarning

    /// PSIS-LOO's per-observation quantities, the part of `looWith` that needs the draws.
    type internal LooPointwise =
        {
            Elpd: float[]
            Mcse: float[]
            P: float[]
            ParetoK: float[]
            NEff: float[]
            RelativeEff: float[]
            TailLength: int[]
        }

    let internal looPointwise (rEff: float[]) (logLik: float[][]) : LooPointwise =
        let cols = columns "logLik" logLik
        let p = psis rEff (logLik |> Array.map (Array.map (fun v -> -v)))
        let logS = log (float logLik.Length)

        let lwNorm =
            p.LogWeights
            |> Array.map (fun lw -> let c = logSumExp lw in lw |> Array.map (fun v -> v - c))

        let elpd = Array.map2 (fun ll lw -> logSumExp (Array.map2 (+) ll lw)) cols lwNorm

        {
            Elpd = elpd
            Mcse = Array.init cols.Length (fun i -> mcseElpd cols.[i] lwNorm.[i] elpd.[i] rEff.[i])
            P = Array.map2 (fun ll e -> logSumExp ll - logS - e) cols elpd
            ParetoK = p.ParetoK
            NEff = Array.map2 (fun (lw: float[]) r -> r / (lw |> Array.sumBy (fun v -> exp (2.0 * v)))) lwNorm rEff
            RelativeEff = p.RelativeEff
            TailLength = p.TailLength
        }

    /// Observations of several blocks as one, in block order.
    let internal concatPointwise (blocks: LooPointwise list) : LooPointwise =
        let cat f = blocks |> List.map f |> Array.concat

        {
            Elpd = cat _.Elpd
            Mcse = cat _.Mcse
            P = cat _.P
            ParetoK = cat _.ParetoK
            NEff = cat _.NEff
            RelativeEff = cat _.RelativeEff
            TailLength = cat _.TailLength
        }

    /// The totals, SEs, MCSE and warnings of PSIS-LOO from its per-observation quantities.
    let internal looOfPointwise (parts: LooPointwise) : Loo =
        let mcseTotal =
            if parts.ParetoK |> Array.exists (fun k -> k > 0.7) then
                nan
            else
                sqrt (parts.Mcse |> Array.sumBy (fun v -> v * v))

        {
            ElpdLoo = estimate parts.Elpd
            PLoo = estimate parts.P
            Looic = estimate (parts.Elpd |> Array.map (fun e -> -2.0 * e))
            PointwiseElpd = parts.Elpd
            PointwiseMcse = parts.Mcse
            PointwiseP = parts.P
            PointwiseLooic = parts.Elpd |> Array.map (fun e -> -2.0 * e)
            ParetoK = parts.ParetoK
            NEff = parts.NEff
            RelativeEff = parts.RelativeEff
            McseElpd = mcseTotal
            Warnings = looWarnings parts.TailLength parts.ParetoK
        }

    /// PSIS-LOO with given relative efficiencies (one per observation): smoothed weights from the raw ratios
    /// 1/p(y_i | θ^s), elpd_loo,i = log Σ_s w̃_is p(y_i | θ^s) with normalised w̃ (Vehtari, Gelman & Gabry 2017,
    /// eq. 10), p_loo,i = lppd_i − elpd_loo,i, looic = −2 elpd_loo; SEs, n_eff and MCSE as `loo::loo` 2.5.1.
    let looWith (rEff: float[]) (logLik: float[][]) : Loo =
        looOfPointwise (looPointwise rEff logLik)

    /// PSIS-LOO treating the draws as independent (r_eff = 1 for every observation).
    let loo (logLik: float[][]) : Loo =
        let n =
            if isNull logLik || logLik.Length = 0 then
                0
            else
                logLik.[0].Length

        looWith (Array.create n 1.0) logLik

    /// PSIS-LOO with r_eff computed from the chains (`relativeEff chainIds logLik`), as loo recommends for MCMC draws.
    let looOfChains (chainIds: int[]) (logLik: float[][]) : Loo =
        looWith (relativeEff chainIds logLik) logLik

    // The recorded S × N log-likelihood as [draw][observation] rows, chains concatenated in chain order.
    let private logLikRows (p: Posterior) =
        if not p.HasLogLikelihood then
            invalidArg
                "posterior"
                "the posterior has no pointwise log-likelihood; sample with SamplerOptions.WithLogLikelihood(true)."

        let m = Posterior.logLikelihoodMatrix p
        Array.init (Array2D.length1 m) (fun s -> Array.init (Array2D.length2 m) (fun i -> m.[s, i]))

    /// Per-draw deviance D(θ^s) = −2 Σ_i log p(y_i | θ^s) from the recorded pointwise log-likelihood.
    let devianceDraws (posterior: Posterior) : float[] =
        logLikRows posterior |> Array.map (fun row -> -2.0 * Array.sum row)

    /// DIC of a fit: D̄ from the recorded log-likelihood (`devianceDraws`) and D(θ̄) at the posterior mean of the
    /// parameter state (`PosteriorStates.meanState`), combined by `dic` (Spiegelhalter et al. 2002).
    let dicOf (plan: GibbsPlan) (posterior: Posterior) : Dic =
        let thetaBar = PosteriorStates.meanState plan.Bound posterior
        dic (devianceDraws posterior) (plan.Density.Deviance thetaBar)

    /// WAIC of a fit from its recorded pointwise log-likelihood (`waic`).
    let waicOf (posterior: Posterior) : Waic = waic (logLikRows posterior)

    /// PSIS-LOO of a fit, with r_eff from its chains (`looOfChains`).
    let looOf (posterior: Posterior) : Loo =
        let ids = Array.init posterior.TotalDraws (fun s -> s / posterior.DrawCount)
        looOfChains ids (logLikRows posterior)
