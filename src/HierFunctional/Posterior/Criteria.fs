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
        Warnings: string[]
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
        Warnings: string[]
    }

/// Model comparison criteria over log-likelihood draws: DIC, WAIC and PSIS-LOO.
/// Log-likelihood inputs are indexed [draw][observation] with chains concatenated.
[<RequireQualifiedAccess>]
module Criteria =
    open Pointwise

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
            Warnings = Array.ofList warnings
        }

    /// WAIC: lppd_i = log((1/S) Σ_s p(y_i | θ^s)), p_waic,i = var_s log p(y_i | θ^s), elpd_waic,i = lppd_i − p_waic,i,
    /// waic = −2 elpd_waic (Vehtari, Gelman & Gabry 2017, eqs. 11–12), SEs as `loo::waic`.
    let waic (logLik: float[][]) : Waic =
        let cols = columns "logLik" logLik
        let logS = log (float logLik.Length)
        let p = cols |> Array.map variance
        let elpd = cols |> Array.mapi (fun i c -> logSumExp c - logS - p.[i])
        waicOfPointwise elpd p

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
        let p = ParetoSmoothing.psis rEff (logLik |> Array.map (Array.map (fun v -> -v)))
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
            Warnings = looWarnings parts.TailLength parts.ParetoK |> Array.ofList
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
        looWith (RelativeEfficiency.relativeEff chainIds logLik) logLik

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
