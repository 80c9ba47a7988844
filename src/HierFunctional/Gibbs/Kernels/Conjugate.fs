namespace HierFunctional.Inference

open System
open MathNet.Numerics.Distributions
open MathNet.Numerics.LinearAlgebra

/// Normal parameters: mean and standard deviation.
[<Struct>]
type NormalParams =
    {
        /// Mean.
        Mean: float
        /// Standard deviation.
        Sd: float
    }

/// Gamma parameters: shape and rate (mean shape/rate).
[<Struct>]
type GammaParams =
    {
        /// Shape.
        Shape: float
        /// Rate (inverse scale).
        Rate: float
    }

/// Inverse-gamma parameters: shape and scale (density ∝ x^(−shape−1) exp(−scale/x)).
[<Struct>]
type InverseGammaParams =
    {
        /// Shape.
        Shape: float
        /// Scale.
        Scale: float
    }

/// Beta parameters.
[<Struct>]
type BetaParams =
    {
        /// First shape (prior successes).
        Alpha: float
        /// Second shape (prior failures).
        Beta: float
    }

/// Generalized inverse Gaussian parameters: density ∝ x^(λ−1) exp(−(χ/x + ψx)/2) on x > 0.
[<Struct>]
type GigParams =
    {
        /// Index λ (any real).
        Lambda: float
        /// χ ≥ 0, the coefficient of 1/x.
        Chi: float
        /// ψ ≥ 0, the coefficient of x.
        Psi: float
    }

/// Sufficient statistics of n observations y_i ~ Normal(a_i + b_i θ, s_i) for θ:
/// Precision = Σ b_i²/s_i² and Shift = Σ b_i (y_i − a_i)/s_i².
[<Struct>]
type NormalLinearStats =
    {
        /// Σ b_i²/s_i².
        Precision: float
        /// Σ b_i (y_i − a_i)/s_i².
        Shift: float
    }

/// Gaussian children of a location μ and a scale τ that enter their means linearly, as a quadratic form:
/// Σ children log-density = −½(Aμ² + 2Cμτ + Dτ²) + Bμ + Tτ + const.
[<Struct>]
type LocationScaleStats =
    {
        /// Coefficient of −½μ².
        A: float
        /// Coefficient of −μτ.
        C: float
        /// Coefficient of −½τ².
        D: float
        /// Coefficient of μ.
        B: float
        /// Coefficient of τ.
        T: float
    }

/// A multivariate normal given by its mean and the lower Cholesky factor L of its precision Q = L Lᵀ.
type MvNormalPrecision =
    {
        /// Mean vector μ.
        Mean: float[]
        /// Lower-triangular L with precision Q = L Lᵀ.
        PrecisionCholesky: Matrix<float>
    }

/// Sufficient statistics of y = a + Xβ + ε, ε_i ~ Normal(0, s_i): XtWX = Xᵀ W X and XtWr = Xᵀ W (y − a), W = diag(1/s_i²).
type RegressionStats =
    {
        /// Xᵀ W X (k×k).
        XtWX: Matrix<float>
        /// Xᵀ W (y − a) (length k).
        XtWr: float[]
    }

/// Wishart (precision) or inverse-Wishart (covariance) parameters: degrees of freedom and scale matrix.
type WishartParams =
    {
        /// Degrees of freedom ν.
        Dof: float
        /// Scale matrix (V for a Wishart, Ψ for an inverse Wishart).
        Scale: Matrix<float>
    }

/// Accumulation of Normal-linear sufficient statistics.
[<RequireQualifiedAccess>]
module NormalLinearStats =
    /// No observations.
    let empty = { Precision = 0.0; Shift = 0.0 }

    /// Adds one observation y ~ Normal(offset + scale·θ, sd).
    let add (stats: NormalLinearStats) (offset: float) (scale: float) (sd: float) (y: float) =
        let w = 1.0 / (sd * sd)

        {
            Precision = stats.Precision + scale * scale * w
            Shift = stats.Shift + scale * (y - offset) * w
        }

    /// Statistics of observations y_i ~ Normal(offset_i + scale_i·θ, sd_i).
    let ofArrays (offsets: float[]) (scales: float[]) (sds: float[]) (ys: float[]) =
        let n = ys.Length

        if offsets.Length <> n || scales.Length <> n || sds.Length <> n then
            invalidArg
                "ys"
                $"offsets, scales, sds and ys must have equal lengths, got {offsets.Length}, {scales.Length}, {sds.Length}, {n}."

        let mutable acc = empty // local accumulation behind a pure interface

        for i in 0 .. n - 1 do
            acc <- add acc offsets[i] scales[i] sds[i] ys[i]

        acc

/// Closed-form conditional posteriors (a) and their draws (b) for the conjugate pairs the Gibbs compiler detects.
[<RequireQualifiedAccess>]
module Conjugate =

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

    // ---- multivariate rules ----

    let private checkSquare (name: string) (m: Matrix<float>) (k: int) =
        if m.RowCount <> k || m.ColumnCount <> k then
            invalidArg name $"{name} must be {k}×{k}, but was {m.RowCount}×{m.ColumnCount}."

    /// Regression sufficient statistics XᵀWX and XᵀW(y − a) with W = diag(1/sd_i²), for y = a + Xβ + ε.
    let regressionStats (x: Matrix<float>) (offsets: float[]) (sds: float[]) (ys: float[]) : RegressionStats =
        let n, k = x.RowCount, x.ColumnCount

        if offsets.Length <> n || sds.Length <> n || ys.Length <> n then
            invalidArg
                "ys"
                $"X has {n} rows but offsets, sds, ys have lengths {offsets.Length}, {sds.Length}, {ys.Length}."

        let xtwx = Matrix<float>.Build.Dense(k, k)
        let xtwr = Array.zeroCreate k

        for i in 0 .. n - 1 do // accumulation into fresh buffers, returned immutable by convention
            let w = 1.0 / (sds[i] * sds[i])
            let r = ys[i] - offsets[i]

            for a in 0 .. k - 1 do
                let xa = x[i, a] * w
                xtwr[a] <- xtwr[a] + xa * r

                for b in 0..a do
                    xtwx[a, b] <- xtwx[a, b] + xa * x[i, b]

        for a in 0 .. k - 1 do
            for b in 0 .. a - 1 do
                xtwx[b, a] <- xtwx[a, b]

        { XtWX = xtwx; XtWr = xtwr }

    /// MvNormal prior N(m0, Q0⁻¹) given by its precision Q0 × Gaussian-linear data (XᵀWX, XᵀWr):
    /// posterior precision Q = Q0 + XᵀWX and mean μ = Q⁻¹(Q0 m0 + XᵀWr), solved through the Cholesky factor of Q.
    let mvNormalFromPrecision (priorMean: float[]) (priorPrecision: Matrix<float>) (stats: RegressionStats) =
        let k = priorMean.Length
        checkSquare "priorPrecision" priorPrecision k
        checkSquare "stats.XtWX" stats.XtWX k
        let q = priorPrecision + stats.XtWX

        let rhs =
            priorPrecision * Vector<float>.Build.DenseOfArray priorMean
            + Vector<float>.Build.DenseOfArray stats.XtWr

        let chol = q.Cholesky()

        {
            Mean = chol.Solve(rhs).ToArray()
            PrecisionCholesky = chol.Factor
        }

    /// Regression coefficients with prior β ~ N(m0, S0) (S0 a covariance): posterior precision S0⁻¹ + XᵀWX,
    /// mean by Cholesky solve (S0⁻¹ itself comes from a Cholesky solve against the identity).
    let regression (priorMean: float[]) (priorCovariance: Matrix<float>) (stats: RegressionStats) =
        checkSquare "priorCovariance" priorCovariance priorMean.Length

        let q0 =
            priorCovariance.Cholesky().Solve(Matrix<float>.Build.DenseIdentity priorMean.Length)

        mvNormalFromPrecision priorMean q0 stats

    /// Regression coefficients with independent priors β_j ~ N(m0_j, s0_j): the diagonal fast path of `regression`
    /// (prior precision diag(1/s0²), no matrix inverse).
    let regressionDiagonal (priorMean: float[]) (priorSd: float[]) (stats: RegressionStats) =
        if priorSd.Length <> priorMean.Length then
            invalidArg "priorSd" $"priorSd has {priorSd.Length} entries but priorMean has {priorMean.Length}."

        let q0 =
            Matrix<float>.Build.DenseOfDiagonalArray(priorSd |> Array.map (fun s -> 1.0 / (s * s)))

        mvNormalFromPrecision priorMean q0 stats

    /// Draws x ~ N(μ, Q⁻¹) with Q = L Lᵀ: x = μ + L⁻ᵀ z, z ~ N(0, I), by back substitution (no inverse).
    let drawMvNormal (rng: Random) (post: MvNormalPrecision) : float[] =
        let l = post.PrecisionCholesky
        let k = post.Mean.Length
        let u = Array.init k (fun _ -> Normal.Sample(rng, 0.0, 1.0))

        for i in k - 1 .. -1 .. 0 do // in-place back substitution on the fresh result buffer
            let mutable s = u[i]

            for j in i + 1 .. k - 1 do
                s <- s - l[j, i] * u[j]

            u[i] <- s / l[i, i]

        for i in 0 .. k - 1 do
            u[i] <- u[i] + post.Mean[i]

        u

    /// MvNormal prior N(m0, S0) on a mean μ × n children x_i ~ N(μ, Σ) with Σx_i = sum:
    /// precision S0⁻¹ + nΣ⁻¹, mean Q⁻¹(S0⁻¹m0 + Σ⁻¹ sum).
    let mvNormalMean
        (priorMean: float[])
        (priorCovariance: Matrix<float>)
        (childCovariance: Matrix<float>)
        (n: float)
        (sum: float[])
        =
        let k = priorMean.Length
        checkSquare "childCovariance" childCovariance k
        let sigmaInv = childCovariance.Cholesky().Solve(Matrix<float>.Build.DenseIdentity k)
        let shift = (sigmaInv * Vector<float>.Build.DenseOfArray sum).ToArray()
        regression priorMean priorCovariance { XtWX = sigmaInv * n; XtWr = shift }

    /// Centered scatter matrix S = Σ (x_i − μ)(x_i − μ)ᵀ of vector observations about a mean.
    let scatter (xs: float[][]) (mean: float[]) : Matrix<float> =
        let k = mean.Length
        let s = Matrix<float>.Build.Dense(k, k)

        for x in xs do // accumulation into a fresh result
            if x.Length <> k then
                invalidArg "xs" $"an observation has {x.Length} entries, expected {k}."

            for a in 0 .. k - 1 do
                for b in 0 .. k - 1 do
                    s[a, b] <- s[a, b] + (x[a] - mean[a]) * (x[b] - mean[b])

        s

    /// Wishart(ν, V) prior on a precision Λ (mean νV) × n children N(μ, Λ⁻¹) with scatter S: Wishart(ν + n, (V⁻¹ + S)⁻¹).
    let wishartPrecision (prior: WishartParams) (n: float) (scatterMatrix: Matrix<float>) : WishartParams =
        let k = prior.Scale.RowCount
        checkSquare "scatterMatrix" scatterMatrix k
        let eye = Matrix<float>.Build.DenseIdentity k
        let vInv = prior.Scale.Cholesky().Solve eye
        let scale = (vInv + scatterMatrix).Cholesky().Solve eye

        {
            Dof = prior.Dof + n
            Scale = 0.5 * (scale + scale.Transpose())
        }

    /// Draws the precision from `wishartPrecision` (MathNet's Wishart sampler).
    let drawWishartPrecision (rng: Random) (prior: WishartParams) (n: float) (scatterMatrix: Matrix<float>) =
        let post = wishartPrecision prior n scatterMatrix
        Wishart.Sample(rng, post.Dof, post.Scale)

    /// InverseWishart(ν, Ψ) prior on a covariance Σ × n children N(μ, Σ) with scatter S: InverseWishart(ν + n, Ψ + S).
    let inverseWishartCovariance (prior: WishartParams) (n: float) (scatterMatrix: Matrix<float>) : WishartParams =
        checkSquare "scatterMatrix" scatterMatrix prior.Scale.RowCount

        {
            Dof = prior.Dof + n
            Scale = prior.Scale + scatterMatrix
        }

    /// Draws the covariance from `inverseWishartCovariance` (MathNet's inverse-Wishart sampler).
    let drawInverseWishartCovariance (rng: Random) (prior: WishartParams) (n: float) (scatterMatrix: Matrix<float>) =
        let post = inverseWishartCovariance prior n scatterMatrix
        InverseWishart.Sample(rng, post.Dof, post.Scale)
