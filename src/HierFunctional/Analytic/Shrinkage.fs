namespace HierFunctional.Analytic

open MathNet.Numerics.LinearAlgebra

/// One group's Normal-Normal posterior: the estimate, its standard error, the shrinkage factor and the posterior.
type NormalShrinkage =
    {
        /// The group's own estimate ȳ_j.
        Estimate: float
        /// Its sampling standard error σ_j (σ/√n_j for a mean of n_j draws).
        StdError: float
        /// B_j = σ_j²/(σ_j²+τ²): the weight on the population mean.
        ShrinkageFactor: float
        /// (1−B_j)·ȳ_j + B_j·μ.
        PosteriorMean: float
        /// √((1−B_j)·σ_j²) = √(1/(1/σ_j²+1/τ²)).
        PosteriorSd: float
    }

/// A Beta(α, β) posterior for a Binomial rate, with the weight the data received.
type BetaPosterior =
    {
        /// Posterior shape α + y.
        Alpha: float
        /// Posterior shape β + n − y.
        Beta: float
        /// (α+y)/(α+β+n).
        Mean: float
        /// Posterior standard deviation √(ab/((a+b)²(a+b+1))).
        Sd: float
        /// w = n/(n+α+β): mean = w·(y/n) + (1−w)·α/(α+β).
        DataWeight: float
    }

/// A Gamma(shape, rate) posterior for a Poisson rate per unit exposure, with the weight the data received.
type GammaPosterior =
    {
        /// Posterior shape α + y.
        Shape: float
        /// Posterior rate β + E.
        Rate: float
        /// (y+α)/(E+β).
        Mean: float
        /// √(α+y)/(β+E).
        Sd: float
        /// w = E/(E+β): mean = w·(y/E) + (1−w)·α/β.
        DataWeight: float
    }

/// Posterior of one group's regression coefficients in a hierarchical linear model with known (μ, Σ, σ).
type LinearShrinkage =
    {
        /// V·(Σ⁻¹μ + XᵀY/σ²).
        CoefficientMean: Vector<float>
        /// V = (Σ⁻¹ + XᵀX/σ²)⁻¹.
        CoefficientCovariance: Matrix<float>
        /// W = V·XᵀX/σ²: with full-rank X, mean = W·β̂_OLS + (I−W)·μ.
        WeightMatrix: Matrix<float>
    }

/// Closed-form conjugate shrinkage: how much each group's estimate is pulled towards the population.
[<RequireQualifiedAccess>]
module Shrinkage =

    let private requirePositive name (x: float) =
        if not (x > 0.0) || System.Double.IsNaN x then
            invalidArg name $"{name} must be a positive number, but was {x}."

    let private requireNonNegative name (x: float) =
        if not (x >= 0.0) then
            invalidArg name $"{name} must be zero or positive (use infinity for no pooling), but was {x}."

    /// Shrinkage factor B = σ²/(σ²+τ²) of the Normal-Normal model (σ² sampling variance, τ² population
    /// variance); τ = 0 gives 1 (complete pooling), τ = ∞ gives 0 (no pooling).
    let factor (samplingVariance: float) (populationVariance: float) =
        requirePositive "samplingVariance" samplingVariance
        requireNonNegative "populationVariance" populationVariance
        samplingVariance / (samplingVariance + populationVariance)

    /// Normal-Normal posterior of θ_j given ȳ_j ~ N(θ_j, σ_j²), θ_j ~ N(μ, τ²):
    /// θ_j | ȳ_j ~ N((1−B_j)ȳ_j + B_jμ, (1−B_j)σ_j²) with B_j = σ_j²/(σ_j²+τ²).
    let normal (mu: float) (tau: float) (estimate: float) (stdError: float) : NormalShrinkage =
        requireNonNegative "tau" tau
        requirePositive "stdError" stdError
        let s2, t2 = stdError * stdError, tau * tau
        let b = factor s2 t2
        // 1 − B computed directly as τ²/(σ²+τ²): subtracting from 1 loses every digit when τ ≪ σ
        let w =
            if System.Double.IsPositiveInfinity t2 then
                1.0
            else
                t2 / (s2 + t2)

        let mean = if b = 0.0 then estimate else w * estimate + b * mu

        {
            Estimate = estimate
            StdError = stdError
            ShrinkageFactor = b
            PosteriorMean = mean
            PosteriorSd = sqrt (w * s2)
        }

    /// Normal-Normal shrinkage of every group (see `normal`); estimates and standard errors align by index.
    let normalGroups (mu: float) (tau: float) (estimates: float[]) (stdErrors: float[]) =
        if estimates.Length <> stdErrors.Length then
            invalidArg
                "stdErrors"
                $"need one standard error per estimate: {estimates.Length} estimates, {stdErrors.Length} standard errors."

        Array.map2 (normal mu tau) estimates stdErrors

    /// Normal-Normal shrinkage of a group mean of n_j draws with within-group sd σ: σ_j = σ/√n_j, so
    /// B_j = (σ²/n_j)/(σ²/n_j+τ²), which decreases in n_j and tends to 0 as n_j → ∞.
    let normalMean (mu: float) (tau: float) (sigma: float) (groupMean: float) (n: int) =
        requirePositive "sigma" sigma

        if n < 1 then
            invalidArg "n" $"group size n must be at least 1, but was {n}."

        normal mu tau groupMean (sigma / sqrt (float n))

    /// Beta-Binomial conjugate update: Beta(α, β) prior, y successes in n trials → Beta(α+y, β+n−y), whose mean
    /// (α+y)/(α+β+n) = w·y/n + (1−w)·α/(α+β) with w = n/(n+α+β).
    let betaBinomial (alpha: float) (beta: float) (successes: int) (trials: int) : BetaPosterior =
        requirePositive "alpha" alpha
        requirePositive "beta" beta

        if trials < 0 || successes < 0 || successes > trials then
            invalidArg "successes" $"need 0 ≤ successes ≤ trials, but got successes = {successes}, trials = {trials}."

        let a = alpha + float successes
        let b = beta + float (trials - successes)

        {
            Alpha = a
            Beta = b
            Mean = a / (a + b)
            Sd = sqrt (a * b / ((a + b) * (a + b) * (a + b + 1.0)))
            DataWeight = float trials / (float trials + alpha + beta)
        }

    /// Gamma-Poisson conjugate update with exposure: Gamma(α, β) prior (shape, rate) on the rate λ, y ~ Poisson(λE)
    /// → Gamma(α+y, β+E), whose mean (y+α)/(E+β) = w·y/E + (1−w)·α/β with w = E/(E+β).
    let gammaPoisson (alpha: float) (beta: float) (count: int) (exposure: float) : GammaPosterior =
        requirePositive "alpha" alpha
        requirePositive "beta" beta
        requireNonNegative "exposure" exposure

        if count < 0 then
            invalidArg "count" $"a Poisson count must be zero or positive, but was {count}."

        let a = alpha + float count
        let r = beta + exposure

        {
            Shape = a
            Rate = r
            Mean = a / r
            Sd = sqrt a / r
            DataWeight = exposure / (exposure + beta)
        }

    /// Hierarchical linear model with known (μ, Σ, σ): y_j = X_jβ_j + ε, ε ~ N(0, σ²I), β_j ~ N(μ, Σ) gives
    /// β_j | y_j ~ N(V(Σ⁻¹μ + X_jᵀy_j/σ²), V) with V = (Σ⁻¹ + X_jᵀX_j/σ²)⁻¹ — the matrix-weighted analogue of B_j.
    let linear (mu: Vector<float>) (sigmaBeta: Matrix<float>) (sigma: float) (x: Matrix<float>) (y: Vector<float>) =
        requirePositive "sigma" sigma

        if x.RowCount <> y.Count then
            invalidArg
                "y"
                $"the design matrix has {x.RowCount} rows but y has {y.Count} values; give one row per observation."

        if
            x.ColumnCount <> mu.Count
            || sigmaBeta.RowCount <> mu.Count
            || sigmaBeta.ColumnCount <> mu.Count
        then
            invalidArg
                "sigmaBeta"
                $"μ, Σ and the columns of X must agree in dimension: μ has {mu.Count}, Σ is {sigmaBeta.RowCount}×{sigmaBeta.ColumnCount}, X has {x.ColumnCount} columns."

        let s2 = sigma * sigma
        let priorPrecision = sigmaBeta.Inverse()
        let xtx = x.TransposeThisAndMultiply(x) / s2
        let v = (priorPrecision + xtx).Inverse()
        let v = (v + v.Transpose()) / 2.0 // symmetrise away rounding

        {
            CoefficientMean = v * (priorPrecision * mu + x.TransposeThisAndMultiply(y) / s2)
            CoefficientCovariance = v
            WeightMatrix = v * xtx
        }

    /// The shrinkage report of a fit for a group-level node (family detected from the model tree; see
    /// `ShrinkageReport.compute` for an explicit spec): no, complete and partial pooling and B_j per group.
    let report
        (b: HierFunctional.Bound)
        (node: string)
        (posterior: HierFunctional.Posterior)
        : HierFunctional.ShrinkageTable =
        HierFunctional.ShrinkageReport.report b node posterior
