using HierFunctional.Sharded;

namespace HierFunctional.Orleans;

/// <summary>A two-level conjugate hierarchy for <see cref="ShardedSampler"/>, built by one of the factories.</summary>
public sealed class ShardedModel
{
    private ShardedModel(TwoLevelModel model) => Model = model;

    /// <summary>The F# model the engine samples.</summary>
    public TwoLevelModel Model { get; }

    /// <summary>Names of the per-group statistic columns, in the order <see cref="ShardedSampler.RunAsync"/> takes them.</summary>
    public string[] StatisticNames => ShardEngine.statisticNames(Model);

    /// <summary>Names of the global parameters, in the order of the globals vector.</summary>
    public string[] GlobalNames => ShardEngine.globalNames(Model);

    /// <summary>
    /// y_ij ~ Normal(θ_j, sd 1/√σp), θ_j ~ Normal(μ, sd 1/√τp), μ ~ Normal(muMean, muSd), τp ~ Gamma(tauShape,
    /// tauRate), σp ~ Gamma(sigmaShape, sigmaRate). Statistics per group (<c>ShardEngine.normalStatistics</c>):
    /// count, Σy, Welford mean and within-group sum of squares; globals: μ, τp, σp.
    /// </summary>
    public static ShardedModel Normal(double muMean, double muSd, double tauShape, double tauRate, double sigmaShape, double sigmaRate) =>
        new(TwoLevelModel.NewNormal(new NormalPriors(muMean, muSd, tauShape, tauRate, sigmaShape, sigmaRate)));

    /// <summary>
    /// x_ij ~ Poisson(λ_j e_ij), λ_j ~ Gamma(α, β), α ~ Gamma(alphaShape, alphaRate), β ~ Gamma(betaShape,
    /// betaRate). Statistics per group: Σx, Σ exposure; globals: α, β.
    /// </summary>
    public static ShardedModel GammaPoisson(double alphaShape, double alphaRate, double betaShape, double betaRate) =>
        new(TwoLevelModel.NewGammaPoisson(new GammaPoissonPriors(alphaShape, alphaRate, betaShape, betaRate)));
}
