using System.Collections.Generic;
using FA = HierFunctional.Analytic;

namespace HierFunctional.CSharp;

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

