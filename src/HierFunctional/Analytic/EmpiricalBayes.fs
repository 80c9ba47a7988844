namespace HierFunctional.Analytic

open MathNet.Numerics
open MathNet.Numerics.RootFinding

/// How a prior's hyperparameters were estimated.
[<RequireQualifiedAccess>]
type EstimationMethod =
    /// Method of moments.
    | Moments
    /// Maximum of the exact marginal likelihood.
    | MarginalML

/// An estimated conjugate prior (Beta(α, β) or Gamma(α, β) shape-rate) with standard errors.
type PriorEstimate =
    {
        /// Estimated α (+∞ when the fit is at the complete-pooling boundary).
        Alpha: float
        /// Estimated β (+∞ at the boundary).
        Beta: float
        /// Standard error of α from the observed information (NaN for moments or at the boundary).
        AlphaSe: float
        /// Standard error of β (NaN for moments or at the boundary).
        BetaSe: float
        /// Prior mean: α/(α+β) for Beta, α/β for Gamma; the pooled rate at the boundary.
        PriorMean: float
        /// Marginal log-likelihood at the estimate.
        LogLikelihood: float
        /// How it was estimated.
        Method: EstimationMethod
        /// True when the data show no over-dispersion, so the estimate is complete pooling (α, β → ∞).
        AtBoundary: bool
    }

/// Estimator of the between-study variance τ² in the Normal random-effects model y_i ~ N(μ, v_i + τ²).
[<RequireQualifiedAccess>]
type TauMethod =
    /// DerSimonian–Laird moment estimator.
    | DerSimonianLaird
    /// Maximum likelihood.
    | ML
    /// Restricted (residual) maximum likelihood.
    | REML

/// A fitted Normal random-effects (meta-analysis) model and the plug-in posteriors it implies.
type RandomEffectsFit =
    {
        /// The estimator used.
        Method: TauMethod
        /// τ̂² (truncated at 0).
        Tau2: float
        /// Standard error of τ̂² (metafor's formulas).
        Tau2Se: float
        /// μ̂ = Σw_i y_i/Σw_i with w_i = 1/(v_i+τ̂²).
        Mu: float
        /// 1/√Σw_i.
        MuSe: float
        /// Cochran's Q = Σ(y_i−ȳ_FE)²/v_i.
        Q: float
        /// Plug-in posteriors θ_i | y ~ N((1−B_i)y_i + B_iμ̂, (1−B_i)v_i), B_i = v_i/(v_i+τ̂²).
        Posteriors: NormalShrinkage[]
    }

/// Empirical Bayes: estimate the prior from all groups, then shrink each group with it.
[<RequireQualifiedAccess>]
module EmpiricalBayes =

    let private checkBinomial (y: int[]) (n: int[]) =
        if y.Length <> n.Length || y.Length < 2 then
            invalidArg
                "trials"
                $"need one trial count per success count and at least two groups; got {y.Length} and {n.Length}."

        Array.iteri2
            (fun i yi ni ->
                if yi < 0 || ni < 1 || yi > ni then
                    invalidArg "successes" $"group {i}: need 0 ≤ y ≤ n and n ≥ 1, but y = {yi}, n = {ni}.")
            y
            n

    let private checkPoisson (y: int[]) (e: float[]) =
        if y.Length <> e.Length || y.Length < 2 then
            invalidArg
                "exposures"
                $"need one exposure per count and at least two groups; got {y.Length} and {e.Length}."

        Array.iteri2
            (fun i yi ei ->
                if yi < 0 || not (ei > 0.0) then
                    invalidArg
                        "counts"
                        $"group {i}: need count ≥ 0 and exposure > 0, but count = {yi}, exposure = {ei}.")
            y
            e

    /// Exact Beta-Binomial marginal log-likelihood Σ_j [log C(n_j,y_j) + log B(α+y_j, β+n_j−y_j) − log B(α, β)].
    let betaBinomialLogLikelihood (successes: int[]) (trials: int[]) (alpha: float) (beta: float) =
        Array.fold2 (fun acc y n -> acc + Marginals.betaBinomialLogPmf alpha beta n y) 0.0 successes trials

    /// Exact Gamma-Poisson (Negative Binomial) marginal log-likelihood Σ_j log NB(y_j | α, β, E_j).
    let gammaPoissonLogLikelihood (counts: int[]) (exposures: float[]) (alpha: float) (beta: float) =
        Array.fold2 (fun acc y e -> acc + Marginals.negativeBinomialLogPmf alpha beta e y) 0.0 counts exposures

    let private boundary mean logLik =
        {
            Alpha = infinity
            Beta = infinity
            AlphaSe = nan
            BetaSe = nan
            PriorMean = mean
            LogLikelihood = logLik
            Method = EstimationMethod.MarginalML
            AtBoundary = true
        }

    /// Beta-Binomial method of moments on the rates p_j = y_j/n_j, correcting for binomial noise:
    /// Var(p_j) = m(1−m)[1/n_j + ρ(1−1/n_j)] with ρ = 1/(α+β+1), solved with the average of 1/n_j.
    let betaBinomialMoments (successes: int[]) (trials: int[]) : PriorEstimate =
        checkBinomial successes trials
        let p = Array.map2 (fun y n -> float y / float n) successes trials
        let m = Array.average p
        let s2 = Statistics.Statistics.Variance p
        let invN = trials |> Array.averageBy (fun n -> 1.0 / float n)
        let rho = (s2 / (m * (1.0 - m)) - invN) / (1.0 - invN)

        let ll a b =
            betaBinomialLogLikelihood successes trials a b

        if not (rho > 0.0) then
            { boundary
                  m
                  (Array.fold2
                      (fun acc y n ->
                          acc
                          + SpecialFunctions.BinomialLn(n, y)
                          + float y * log m
                          + float (n - y) * log (1.0 - m))
                      0.0
                      successes
                      trials) with
                Method = EstimationMethod.Moments
            }
        else
            // ρ ≥ 1 (more spread than a Beta can give) is clamped to a tiny concentration α+β = 1e-3
            let k = max 1e-3 (1.0 / rho - 1.0)

            {
                Alpha = m * k
                Beta = (1.0 - m) * k
                AlphaSe = nan
                BetaSe = nan
                PriorMean = m
                LogLikelihood = ll (m * k) ((1.0 - m) * k)
                Method = EstimationMethod.Moments
                AtBoundary = false
            }

    /// Gamma-Poisson method of moments on the rates r_j = y_j/E_j: Var(r_j) = m/E_j + m²/α with m = α/β,
    /// solved with the average of 1/E_j.
    let gammaPoissonMoments (counts: int[]) (exposures: float[]) : PriorEstimate =
        checkPoisson counts exposures
        let r = Array.map2 (fun y e -> float y / e) counts exposures
        let m = Array.average r

        let excess =
            Statistics.Statistics.Variance r
            - m * Array.averageBy (fun e -> 1.0 / e) exposures

        if not (excess > 0.0) then
            let pooled = float (Array.sum counts) / Array.sum exposures

            { boundary
                  pooled
                  (Array.fold2
                      (fun acc y e -> acc + MathNet.Numerics.Distributions.Poisson.PMFLn(pooled * e, y))
                      0.0
                      counts
                      exposures) with
                Method = EstimationMethod.Moments
            }
        else
            let a = m * m / excess

            {
                Alpha = a
                Beta = a / m
                AlphaSe = nan
                BetaSe = nan
                PriorMean = m
                LogLikelihood = gammaPoissonLogLikelihood counts exposures a (a / m)
                Method = EstimationMethod.Moments
                AtBoundary = false
            }

    // Maximises a marginal likelihood over (log α, log β); beyond concentration e^20 the data cannot tell the
    // model from complete pooling, so that is reported as the boundary.
    let private fitLogScale logLik (start: PriorEstimate) concentration poolMean poolLogLik =
        let a0, b0 =
            if start.AtBoundary then
                1.0, 1.0 / start.PriorMean
            else
                start.Alpha, start.Beta

        let f (x: float[]) =
            if x[0] > 40.0 || x[1] > 40.0 then
                -infinity
            else
                logLik (exp x[0]) (exp x[1])

        let x = Optimize.maximize f [| log a0; log b0 |]
        let a, b = exp x[0], exp x[1]

        if concentration a b > exp 20.0 || not (f x > poolLogLik) then
            boundary poolMean poolLogLik
        else
            // observed information on the log scale, mapped back by the delta method (exact at the optimum)
            let cov = Optimize.covariance f x

            {
                Alpha = a
                Beta = b
                AlphaSe = a * sqrt cov[0, 0]
                BetaSe = b * sqrt cov[1, 1]
                PriorMean = nan
                LogLikelihood = logLik a b
                Method = EstimationMethod.MarginalML
                AtBoundary = false
            }

    /// Beta-Binomial marginal maximum likelihood of (α, β), maximising `betaBinomialLogLikelihood` on the log scale;
    /// standard errors from the inverse observed information. Without over-dispersion the fit is the
    /// complete-pooling boundary (`AtBoundary = true`).
    let betaBinomialML (successes: int[]) (trials: int[]) : PriorEstimate =
        let mom = betaBinomialMoments successes trials
        let pooled = float (Array.sum successes) / float (Array.sum trials)

        let poolLl =
            Array.fold2
                (fun acc y n -> acc + MathNet.Numerics.Distributions.Binomial.PMFLn(pooled, n, y))
                0.0
                successes
                trials

        let fit =
            fitLogScale (betaBinomialLogLikelihood successes trials) mom (fun a b -> a + b) pooled poolLl

        if fit.AtBoundary then
            fit
        else
            { fit with
                PriorMean = fit.Alpha / (fit.Alpha + fit.Beta)
            }

    /// Gamma-Poisson marginal maximum likelihood of (α, β) (shape, rate), maximising the Negative Binomial
    /// marginal likelihood on the log scale; standard errors from the inverse observed information.
    let gammaPoissonML (counts: int[]) (exposures: float[]) : PriorEstimate =
        let mom = gammaPoissonMoments counts exposures
        let pooled = float (Array.sum counts) / Array.sum exposures

        let poolLl =
            Array.fold2
                (fun acc y e -> acc + MathNet.Numerics.Distributions.Poisson.PMFLn(pooled * e, y))
                0.0
                counts
                exposures

        let fit =
            fitLogScale (gammaPoissonLogLikelihood counts exposures) mom (fun a _ -> a) pooled poolLl

        if fit.AtBoundary then
            fit
        else
            { fit with
                PriorMean = fit.Alpha / fit.Beta
            }

    // ---- Normal random-effects model -------------------------------------------------------------------

    let private weightedMean (y: float[]) (w: float[]) =
        Array.fold2 (fun acc yi wi -> acc + yi * wi) 0.0 y w / Array.sum w

    /// Score of the (restricted) profile log-likelihood in τ²: ML ½[Σw²(y−μ̂)² − Σw];
    /// REML adds ½Σw²/Σw (Harville 1977; Viechtbauer 2005).
    let private score restricted (y: float[]) (v: float[]) (tau2: float) =
        let w = v |> Array.map (fun vi -> 1.0 / (vi + tau2))
        let mu = weightedMean y w
        let sw = Array.sum w
        let sw2 = w |> Array.sumBy (fun wi -> wi * wi)
        let rss = Array.fold2 (fun acc yi wi -> acc + wi * wi * (yi - mu) ** 2.0) 0.0 y w
        0.5 * (rss - sw + (if restricted then sw2 / sw else 0.0))

    let private solveTau2 restricted y (v: float[]) =
        let s = score restricted y v

        if s 0.0 <= 0.0 then
            0.0
        else
            let mutable hi = Array.max v

            while s hi > 0.0 do
                hi <- hi * 2.0 // expand until the score changes sign

            Brent.FindRoot(s, 0.0, hi, 1e-15 * max 1.0 hi, 1000)

    /// Fits y_i ~ N(μ, v_i + τ²) (v_i known sampling variances). DL: τ² = max(0, (Q−(k−1))/(Σw−Σw²/Σw)) with
    /// w = 1/v; ML/REML: the root of the (restricted) likelihood score, truncated at 0. Standard errors follow
    /// metafor: ML √(2/Σw²), REML √(2/tr(PP)), DL the Q-moment formula.
    let randomEffects (method: TauMethod) (estimates: float[]) (variances: float[]) : RandomEffectsFit =
        if estimates.Length <> variances.Length || estimates.Length < 2 then
            invalidArg
                "variances"
                $"need one sampling variance per estimate and at least two estimates; got {estimates.Length} and {variances.Length}."

        variances
        |> Array.iteri (fun i v ->
            if not (v > 0.0) then
                invalidArg "variances" $"sampling variance {i} must be positive, but was {v}.")

        let k = float estimates.Length
        let w0 = variances |> Array.map (fun v -> 1.0 / v)
        let muFe = weightedMean estimates w0
        let q = Array.fold2 (fun acc y w -> acc + w * (y - muFe) ** 2.0) 0.0 estimates w0
        let sumPow (w: float[]) p = w |> Array.sumBy (fun x -> x ** p)
        // Σ_ij P_ij² for P = W − wwᵀ/Σw
        let sumPP w =
            sumPow w 2.0 - 2.0 * sumPow w 3.0 / sumPow w 1.0
            + (sumPow w 2.0 / sumPow w 1.0) ** 2.0

        let tau2, tau2Se =
            match method with
            | TauMethod.DerSimonianLaird ->
                let trP = sumPow w0 1.0 - sumPow w0 2.0 / sumPow w0 1.0
                let t = max 0.0 ((q - (k - 1.0)) / trP)
                t, sqrt ((2.0 * (k - 1.0) + 4.0 * t * trP + 2.0 * t * t * sumPP w0) / (trP * trP))
            | TauMethod.ML ->
                let t = solveTau2 false estimates variances
                t, sqrt (2.0 / sumPow (variances |> Array.map (fun v -> 1.0 / (v + t))) 2.0)
            | TauMethod.REML ->
                let t = solveTau2 true estimates variances
                t, sqrt (2.0 / sumPP (variances |> Array.map (fun v -> 1.0 / (v + t))))

        let w = variances |> Array.map (fun v -> 1.0 / (v + tau2))
        let mu = weightedMean estimates w

        {
            Method = method
            Tau2 = tau2
            Tau2Se = tau2Se
            Mu = mu
            MuSe = 1.0 / sqrt (Array.sum w)
            Q = q
            Posteriors = Shrinkage.normalGroups mu (sqrt tau2) estimates (variances |> Array.map sqrt)
        }
