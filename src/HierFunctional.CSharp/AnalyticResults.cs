using System.Collections.Generic;

namespace HierFunctional.CSharp;

/// <summary>Normal-Normal shrinkage of one group: θ | y ~ N((1−B)y + Bμ, (1−B)σ²), B = σ²/(σ²+τ²).</summary>
/// <param name="Estimate">The group's estimate y.</param>
/// <param name="StdError">Its standard error σ.</param>
/// <param name="ShrinkageFactor">B: 0 keeps the estimate, 1 pools completely.</param>
/// <param name="PosteriorMean">(1−B)y + Bμ.</param>
/// <param name="PosteriorSd">√((1−B)σ²).</param>
public sealed record NormalShrinkage(double Estimate, double StdError, double ShrinkageFactor, double PosteriorMean, double PosteriorSd);

/// <summary>A Beta posterior Beta(α + y, β + n − y) of a binomial rate.</summary>
/// <param name="Alpha">Posterior α.</param>
/// <param name="Beta">Posterior β.</param>
/// <param name="Mean">Posterior mean.</param>
/// <param name="Sd">Posterior sd.</param>
/// <param name="DataWeight">n/(n+α+β): the weight on the group's own rate y/n.</param>
public sealed record BetaPosterior(double Alpha, double Beta, double Mean, double Sd, double DataWeight);

/// <summary>A Gamma posterior Gamma(α + y, β + E) (shape, rate) of a Poisson rate.</summary>
/// <param name="Shape">Posterior shape.</param>
/// <param name="Rate">Posterior rate.</param>
/// <param name="Mean">Posterior mean.</param>
/// <param name="Sd">Posterior sd.</param>
/// <param name="DataWeight">E/(E+β): the weight on the group's own rate y/E.</param>
public sealed record GammaPosterior(double Shape, double Rate, double Mean, double Sd, double DataWeight);

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
    TauMethod Method, double Tau2, double Tau2Se, double Mu, double MuSe, double Q, IReadOnlyList<NormalShrinkage> Posteriors);

/// <summary>Posterior mean and standard deviation.</summary>
/// <param name="Mean">Mean.</param>
/// <param name="Sd">Standard deviation.</param>
public sealed record Moments(double Mean, double Sd);

/// <summary>Exact (grid) posterior of the Beta-Binomial hierarchy under p(α, β) ∝ (α+β)^(−5/2) (BDA3 §5.3).</summary>
/// <param name="LogRatio">Moments of log(α/β).</param>
/// <param name="LogSum">Moments of log(α+β).</param>
/// <param name="PopulationMean">Moments of α/(α+β).</param>
/// <param name="Theta">Moments of each group's rate.</param>
/// <param name="IntegrationError">Largest change of any moment between the coarse and fine grid.</param>
public sealed record BetaBinomialGridPosterior(
    Moments LogRatio, Moments LogSum, Moments PopulationMean, IReadOnlyList<Moments> Theta, double IntegrationError);

/// <summary>Exact (grid over τ) posterior of the Normal hierarchy y_j ~ N(θ_j, σ_j), θ_j ~ N(μ, τ) (BDA3 §5.4).</summary>
/// <param name="Mu">Moments of μ.</param>
/// <param name="Tau">Moments of τ.</param>
/// <param name="Theta">Moments of each θ_j.</param>
/// <param name="TauGrid">The τ grid.</param>
/// <param name="TauDensity">The normalised density of τ on the grid.</param>
/// <param name="IntegrationError">Largest change of any moment between the coarse and fine grid.</param>
public sealed record NormalHierarchyPosterior(
    Moments Mu, Moments Tau, IReadOnlyList<Moments> Theta, IReadOnlyList<double> TauGrid, IReadOnlyList<double> TauDensity,
    double IntegrationError);

/// <summary>One group under the three pooling regimes.</summary>
/// <param name="Group">0-based position of the group in the input.</param>
/// <param name="NoPooling">The group alone.</param>
/// <param name="CompletePooling">All groups as one.</param>
/// <param name="PartialPooling">Posterior mean under the hierarchical prior.</param>
/// <param name="PartialPoolingSd">Posterior sd under partial pooling.</param>
/// <param name="DataWeight">Weight on the group's own estimate.</param>
public sealed record PoolingRow(
    int Group, double NoPooling, double CompletePooling, double PartialPooling, double PartialPoolingSd, double DataWeight);

/// <summary>No, complete and partial pooling side by side.</summary>
/// <param name="Rows">One row per group, in input order.</param>
/// <param name="Pooled">The completely pooled estimate.</param>
/// <param name="Prior">The prior behind partial pooling, described.</param>
public sealed record PoolingTable(IReadOnlyList<PoolingRow> Rows, double Pooled, string Prior);

/// <summary>A Normal marginal distribution.</summary>
/// <param name="Mean">Mean.</param>
/// <param name="Variance">Variance.</param>
public sealed record NormalMarginal(double Mean, double Variance);

/// <summary>Variance components of a two- or three-level Normal hierarchy.</summary>
/// <param name="Total">Total variance of an observation.</param>
/// <param name="Within">σ² within the lowest-level group.</param>
/// <param name="BetweenGroups">τ² between lowest-level groups.</param>
/// <param name="BetweenParents">ω² between top-level groups.</param>
/// <param name="IccSameGroup">(ω²+τ²)/total.</param>
/// <param name="IccSameParent">ω²/total.</param>
public sealed record VarianceComponents(
    double Total, double Within, double BetweenGroups, double BetweenParents, double IccSameGroup, double IccSameParent);

/// <summary>Empirical-Bayes two-group fit θ_i ~ π₀·δ₀ + (1−π₀)·N(0, τ²) (Efron's local fdr).</summary>
/// <param name="Pi0">π̂₀.</param>
/// <param name="Pi0Se">Standard error of π̂₀.</param>
/// <param name="Tau2">τ̂².</param>
/// <param name="Tau2Se">Standard error of τ̂².</param>
/// <param name="LogLikelihood">Marginal log-likelihood.</param>
/// <param name="Iterations">EM iterations.</param>
/// <param name="Lfdr">Local false discovery rates.</param>
/// <param name="PosteriorMean">E[θ_i | z_i].</param>
public sealed record TwoGroupFit(
    double Pi0, double Pi0Se, double Tau2, double Tau2Se, double LogLikelihood, int Iterations,
    IReadOnlyList<double> Lfdr, IReadOnlyList<double> PosteriorMean);

/// <summary>Discoveries at a target Bayesian FDR.</summary>
/// <param name="Indices">Indices of the discoveries, in increasing lfdr order.</param>
/// <param name="EstimatedFdr">Mean lfdr of the set.</param>
public sealed record Discoveries(IReadOnlyList<int> Indices, double EstimatedFdr);
