namespace HierFunctional.Inference

open System
open MathNet.Numerics.Distributions
open MathNet.Numerics.LinearAlgebra

/// Closed-form conditional posteriors (a) and their draws (b) for the scalar conjugate pairs the Gibbs compiler
/// detects (the multivariate ones are in `MvConjugatePosterior`).
[<RequireQualifiedAccess>]
module ConjugatePosterior =

    /// Normal prior N(m0, s0) × Normal-linear likelihood: precision P = 1/s0² + Σb²/s², mean = (m0/s0² + Σ b(y − a)/s²)/P.
    let normal (prior: NormalParams) (stats: NormalLinearStats) : NormalParams =
        let p0 = 1.0 / (prior.Sd * prior.Sd)
        let p = p0 + stats.Precision

        {
            Mean = (prior.Mean * p0 + stats.Shift) / p
            Sd = 1.0 / sqrt p
        }

    /// Draws θ from the Normal-Normal posterior of `normal`.
    let drawNormal (rng: Random) (prior: NormalParams) (stats: NormalLinearStats) =
        let post = normal prior stats
        Normal.Sample(rng, post.Mean, post.Sd)

    /// Two-group prior θ ~ w·δ₀ + (1−w)·N(0, s²) × Normal-linear likelihood exp(−½Pθ² + Bθ): the slab's evidence
    /// relative to the spike is ∫N(θ; 0, s²) e^(−½Pθ²+Bθ) dθ = (1 + s²P)^(−½) · exp(B² / (2(P + 1/s²))), so
    /// P(θ ≠ 0 | y) = logistic(log((1−w)/w) − ½ log(1 + s²P) + B²/(2(P + 1/s²))).
    let slabProbability (zeroWeight: float) (slabSd: float) (stats: NormalLinearStats) =
        let q = stats.Precision + 1.0 / (slabSd * slabSd)

        let logOdds =
            HierFunctional.Numerics.log1p -zeroWeight
            - log zeroWeight
            - 0.5 * HierFunctional.Numerics.log1p (slabSd * slabSd * stats.Precision)
            + stats.Shift * stats.Shift / (2.0 * q)

        1.0 / (1.0 + exp -logOdds)

    /// Draws θ from the two-group posterior: 0 with probability 1 − `slabProbability`, else
    /// N(B/(P + 1/s²), 1/(P + 1/s²)) (the slab's Normal-Normal posterior).
    let drawSpikeAndSlab (rng: Random) (zeroWeight: float) (slabSd: float) (stats: NormalLinearStats) =
        if rng.NextDouble() < slabProbability zeroWeight slabSd stats then
            drawNormal rng { Mean = 0.0; Sd = slabSd } stats
        else
            0.0

    /// The mixing weight of a half-t(ν, A) prior written as τ | w ~ HalfNormal(A/√w), w ~ Gamma(ν/2, rate ν/2):
    /// w | τ ~ Gamma((ν+1)/2, rate (ν + τ²/A²)/2); 1 for the half-normal (ν = +∞), which needs no mixture.
    let drawHalfTWeight (rng: Random) (dof: float) (scale: float) (tau: float) =
        if Double.IsPositiveInfinity dof then
            1.0
        else
            let z = tau / scale
            Gamma.Sample(rng, 0.5 * (dof + 1.0), 0.5 * (dof + z * z))

    /// One Gibbs sweep of a positive coefficient τ with a half-t(ν, A) prior (ν = +∞: half-normal(A)) written as
    /// τ | w ~ HalfNormal(A/√w), w ~ Gamma(ν/2, rate ν/2), whose Normal children give exp(−½Pτ² + Sτ): draws
    /// τ | w ~ N(S/Q, 1/Q) truncated to τ > 0, Q = P + w/A², then w | τ ~ Gamma((ν+1)/2, (ν + τ²/A²)/2);
    /// returns the new (τ, w) (w stays 1 for the half-normal).
    let drawPositiveCoefficient
        (rng: Random)
        (dof: float)
        (scale: float)
        (weight: float)
        (stats: NormalLinearStats)
        : struct (float * float) =
        let q = stats.Precision + weight / (scale * scale)

        let tau =
            Special.truncatedNormal rng (stats.Shift / q) (1.0 / sqrt q) 0.0 Double.PositiveInfinity

        struct (tau, drawHalfTWeight rng dof scale tau)

    /// A Normal(m₀, s₀) location μ and a positive scale τ | w ~ HalfNormal(A/√w) over the same Gaussian children
    /// (`LocationScaleStats`): (μ, τ) is bivariate Normal with precision [[A + 1/s₀², C], [C, D + w/A²]] truncated
    /// to τ > 0, drawn as τ from its marginal (precision Q = the Schur complement D + w/A² − C²/(A + 1/s₀²)) and then
    /// μ | τ. ValueNone when Q is not positive (every η equal, to rounding), for the caller to fall back or fail.
    let drawLocationAndPositiveScale
        (rng: Random)
        (muPrior: NormalParams)
        (scale: float)
        (weight: float)
        (stats: LocationScaleStats)
        : struct (float * float) voption =
        let a = stats.A + 1.0 / (muPrior.Sd * muPrior.Sd)
        let b = stats.B + muPrior.Mean / (muPrior.Sd * muPrior.Sd)
        let q = stats.D + weight / (scale * scale) - stats.C * stats.C / a
        let shift = stats.T - b * stats.C / a

        if q > 0.0 && Double.IsFinite q && Double.IsFinite shift && Double.IsFinite a then
            let tau =
                Special.truncatedNormal rng (shift / q) (1.0 / sqrt q) 0.0 Double.PositiveInfinity

            ValueSome(struct ((b - stats.C * tau) / a + HierFunctional.StandardNormal.sample rng / sqrt a, tau))
        else
            ValueNone

    /// Gamma(a, b) prior on a precision τ × n Normal children with sum of squares SS = Σ(y − μ)²: Gamma(a + n/2, b + SS/2).
    let gammaPrecision (prior: GammaParams) (n: float) (sumSquares: float) : GammaParams =
        {
            Shape = prior.Shape + 0.5 * n
            Rate = prior.Rate + 0.5 * sumSquares
        }

    /// Draws the precision τ from `gammaPrecision`.
    let drawPrecision (rng: Random) (prior: GammaParams) (n: float) (sumSquares: float) =
        let post = gammaPrecision prior n sumSquares
        Gamma.Sample(rng, post.Shape, post.Rate)

    /// Draws the sd σ = τ^(−1/2) of Normal children when the model puts a Gamma prior on τ = 1/σ².
    let drawSdFromPrecision (rng: Random) (prior: GammaParams) (n: float) (sumSquares: float) =
        1.0 / sqrt (drawPrecision rng prior n sumSquares)

    /// InverseGamma(a, b) prior on a variance v × n Normal children with sum of squares SS: InverseGamma(a + n/2, b + SS/2).
    let inverseGammaVariance (prior: InverseGammaParams) (n: float) (sumSquares: float) : InverseGammaParams =
        {
            Shape = prior.Shape + 0.5 * n
            Scale = prior.Scale + 0.5 * sumSquares
        }

    /// Draws the variance v from `inverseGammaVariance`.
    let drawVariance (rng: Random) (prior: InverseGammaParams) (n: float) (sumSquares: float) =
        let post = inverseGammaVariance prior n sumSquares
        InverseGamma.Sample(rng, post.Shape, post.Scale)

    /// Draws the sd σ = √v of Normal children when the model puts an InverseGamma prior on v = σ².
    let drawSdFromVariance (rng: Random) (prior: InverseGammaParams) (n: float) (sumSquares: float) =
        sqrt (drawVariance rng prior n sumSquares)

    /// Beta(a, b) prior × Bernoulli/Binomial counts: Beta(a + Σy, b + Σ(n − y)).
    let beta (prior: BetaParams) (successes: float) (failures: float) : BetaParams =
        {
            Alpha = prior.Alpha + successes
            Beta = prior.Beta + failures
        }

    /// Draws the success probability from `beta`.
    let drawBeta (rng: Random) (prior: BetaParams) (successes: float) (failures: float) =
        let post = beta prior successes failures
        Beta.Sample(rng, post.Alpha, post.Beta)

    /// Gamma(a, rate b) prior on λ × y_i ~ Poisson(λ·E_i·m_i): Gamma(a + Σy, b + Σ E_i·m_i), where m_i is any known
    /// multiplier of λ in the Poisson mean (1 for a plain exposure model); the caller passes Σ E_i·m_i.
    let gammaPoisson (prior: GammaParams) (sumCounts: float) (sumExposure: float) : GammaParams =
        {
            Shape = prior.Shape + sumCounts
            Rate = prior.Rate + sumExposure
        }

    /// Draws λ from `gammaPoisson`.
    let drawGammaPoisson (rng: Random) (prior: GammaParams) (sumCounts: float) (sumExposure: float) =
        let post = gammaPoisson prior sumCounts sumExposure
        HierFunctional.GammaVariate.sample rng post.Shape post.Rate

    /// Gamma(a, rate b) prior on a rate λ × n children x_i ~ Exponential(λ): Gamma(a + n, b + Σx).
    let gammaExponential (prior: GammaParams) (n: float) (sumX: float) : GammaParams =
        {
            Shape = prior.Shape + n
            Rate = prior.Rate + sumX
        }

    /// Draws λ from `gammaExponential`.
    let drawGammaExponential (rng: Random) (prior: GammaParams) (n: float) (sumX: float) =
        let post = gammaExponential prior n sumX
        HierFunctional.GammaVariate.sample rng post.Shape post.Rate

    /// Gamma(c, rate d) prior on β × n children θ_i ~ Gamma(α, rate β) with known shape α: Gamma(c + nα, d + Σθ).
    let gammaRate (prior: GammaParams) (childShape: float) (n: float) (sumChildren: float) : GammaParams =
        {
            Shape = prior.Shape + n * childShape
            Rate = prior.Rate + sumChildren
        }

    /// Draws β from `gammaRate`.
    let drawGammaRate (rng: Random) (prior: GammaParams) (childShape: float) (n: float) (sumChildren: float) =
        let post = gammaRate prior childShape n sumChildren
        HierFunctional.GammaVariate.sample rng post.Shape post.Rate

    /// Dirichlet(α) prior × Categorical/Multinomial category counts: Dirichlet(α + counts).
    let dirichlet (prior: float[]) (counts: float[]) : float[] =
        if prior.Length <> counts.Length then
            invalidArg "counts" $"counts has {counts.Length} categories but the Dirichlet prior has {prior.Length}."

        Array.map2 (+) prior counts

    /// Draws a probability vector from `dirichlet`.
    let drawDirichlet (rng: Random) (prior: float[]) (counts: float[]) : float[] =
        Dirichlet.Sample(rng, dirichlet prior counts)

    /// HalfNormal(s) prior on a Normal sd σ × n children with sum of squares SS. With v = σ²,
    /// p(v) ∝ v^(−n/2) exp(−SS/(2v)) · v^(−1/2) exp(−v/(2s²)) (the v^(−1/2) is the Jacobian of σ = √v),
    /// i.e. GIG(λ = 1/2 − n/2, χ = SS, ψ = 1/s²) for v.
    let halfNormalVariance (priorSd: float) (n: float) (sumSquares: float) : GigParams =
        {
            Lambda = 0.5 - 0.5 * n
            Chi = sumSquares
            Psi = 1.0 / (priorSd * priorSd)
        }

    /// Draws σ = √v with v from `halfNormalVariance` (exact, via the GIG sampler).
    let drawHalfNormalSd (rng: Random) (priorSd: float) (n: float) (sumSquares: float) =
        let g = halfNormalVariance priorSd n sumSquares
        sqrt (Special.gig rng g.Lambda g.Chi g.Psi)

    /// Half-t(ν, A) prior on σ as the scale mixture σ² | a ~ IG(ν/2, ν/a), a ~ IG(1/2, 1/A²) (Wand et al. 2011,
    /// Makalic & Schmidt 2016); with n Normal children of sum of squares SS: σ² | a ~ IG((ν + n)/2, ν/a + SS/2).
    let halfStudentTVariance (dof: float) (auxiliary: float) (n: float) (sumSquares: float) : InverseGammaParams =
        {
            Shape = 0.5 * (dof + n)
            Scale = dof / auxiliary + 0.5 * sumSquares
        }

    /// The auxiliary's conditional in the half-t scale mixture: a | σ² ~ IG((ν + 1)/2, ν/σ² + 1/A²).
    let halfStudentTAuxiliary (dof: float) (scale: float) (variance: float) : InverseGammaParams =
        {
            Shape = 0.5 * (dof + 1.0)
            Scale = dof / variance + 1.0 / (scale * scale)
        }

    /// One Gibbs sweep of the half-t(ν, A) augmentation (ν = 1: half-Cauchy): draws σ² | a, then a | σ²;
    /// returns the new (σ, a).
    let drawHalfStudentT (rng: Random) (dof: float) (scale: float) (auxiliary: float) (n: float) (sumSquares: float) =
        let pv = halfStudentTVariance dof auxiliary n sumSquares
        let v = InverseGamma.Sample(rng, pv.Shape, pv.Scale)
        let pa = halfStudentTAuxiliary dof scale v
        struct (sqrt v, InverseGamma.Sample(rng, pa.Shape, pa.Scale))

    /// `drawHalfStudentT` with ν = 1: one sweep of the half-Cauchy(A) augmentation, returning the new (σ, a).
    let drawHalfCauchy (rng: Random) (scale: float) (auxiliary: float) (n: float) (sumSquares: float) =
        drawHalfStudentT rng 1.0 scale auxiliary n sumSquares
