using System.Collections.Generic;
using FA = HierFunctional.Analytic;

namespace HierFunctional.CSharp;

/// <summary>The posterior of regression coefficients β ~ N(μ, Σ_β), y ~ N(Xβ, σ²I).</summary>
/// <param name="CoefficientMean">Posterior mean of β.</param>
/// <param name="CoefficientCovariance">Posterior covariance of β.</param>
/// <param name="WeightMatrix">The matrix W with mean = W·β̂_OLS + (I − W)·μ.</param>
public sealed record LinearShrinkage(double[] CoefficientMean, double[,] CoefficientCovariance, double[,] WeightMatrix);

/// <summary>How a prior's hyperparameters were estimated.</summary>
public enum EstimationMethod
{
    /// <summary>Method of moments.</summary>
    Moments,

    /// <summary>Maximum of the exact marginal likelihood.</summary>
    MarginalML,
}

/// <summary>An estimated conjugate prior (Beta(α, β) or Gamma(α, β) shape-rate) with standard errors.</summary>
/// <param name="Alpha">α (+∞ at the complete-pooling boundary).</param>
/// <param name="Beta">β (+∞ at the boundary).</param>
/// <param name="AlphaSe">Standard error of α (NaN for moments or at the boundary).</param>
/// <param name="BetaSe">Standard error of β.</param>
/// <param name="PriorMean">α/(α+β) for Beta, α/β for Gamma.</param>
/// <param name="LogLikelihood">Marginal log-likelihood at the estimate.</param>
/// <param name="Method">How it was estimated.</param>
/// <param name="AtBoundary">True when the data show no over-dispersion (complete pooling).</param>
public sealed record PriorEstimate(
    double Alpha, double Beta, double AlphaSe, double BetaSe, double PriorMean, double LogLikelihood,
    EstimationMethod Method, bool AtBoundary);

/// <summary>Estimator of the between-study variance τ².</summary>
public enum TauMethod
{
    /// <summary>DerSimonian–Laird moments.</summary>
    DerSimonianLaird,

    /// <summary>Maximum likelihood.</summary>
    ML,

    /// <summary>Restricted maximum likelihood.</summary>
    REML,
}

/// <summary>A Normal random-effects (meta-analysis) fit y_i ~ N(μ, v_i + τ²) and its plug-in posteriors.</summary>
/// <param name="Method">The τ² estimator.</param>
/// <param name="Tau2">τ̂².</param>
/// <param name="Tau2Se">Standard error of τ̂² (metafor's formulas).</param>
/// <param name="Mu">μ̂.</param>
/// <param name="MuSe">Standard error of μ̂.</param>
/// <param name="Q">Cochran's Q.</param>
/// <param name="Posteriors">Plug-in posterior of each study.</param>
public sealed record RandomEffectsFit(
    TauMethod Method, double Tau2, double Tau2Se, double Mu, double MuSe, double Q, IReadOnlyList<FA.NormalShrinkage> Posteriors);

/// <summary>Exact (grid) posterior of the Beta-Binomial hierarchy under p(α, β) ∝ (α+β)^(−5/2) (BDA3 §5.3).</summary>
/// <param name="LogRatio">FA.Moments of log(α/β).</param>
/// <param name="LogSum">FA.Moments of log(α+β).</param>
/// <param name="PopulationMean">FA.Moments of α/(α+β).</param>
/// <param name="Theta">FA.Moments of each group's rate.</param>
/// <param name="IntegrationError">Largest change of any moment between the coarse and fine grid.</param>
public sealed record BetaBinomialGridPosterior(
    FA.Moments LogRatio, FA.Moments LogSum, FA.Moments PopulationMean, IReadOnlyList<FA.Moments> Theta, double IntegrationError);

/// <summary>Exact (grid over τ) posterior of the Normal hierarchy y_j ~ N(θ_j, σ_j), θ_j ~ N(μ, τ) (BDA3 §5.4).</summary>
/// <param name="Mu">FA.Moments of μ.</param>
/// <param name="Tau">FA.Moments of τ.</param>
/// <param name="Theta">FA.Moments of each θ_j.</param>
/// <param name="TauGrid">The τ grid.</param>
/// <param name="TauDensity">The normalised density of τ on the grid.</param>
/// <param name="IntegrationError">Largest change of any moment between the coarse and fine grid.</param>
public sealed record NormalHierarchyPosterior(
    FA.Moments Mu, FA.Moments Tau, IReadOnlyList<FA.Moments> Theta, IReadOnlyList<double> TauGrid, IReadOnlyList<double> TauDensity,
    double IntegrationError);

