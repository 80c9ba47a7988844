using System;
using System.Linq;
using MathNet.Numerics.LinearAlgebra;
using FA = HierFunctional.Analytic;

namespace HierFunctional.CSharp;

/// <summary>
/// Closed forms that need no sampling: conjugate shrinkage, empirical Bayes, exact grid posteriors, pooling
/// comparisons, marginals and the two-group model. They are also the yardstick the sampler is tested against.
/// </summary>
public static class Analytic
{
    /// <summary>Shrinkage factor B = σ²/(σ²+τ²) (σ² sampling variance, τ² population variance).</summary>
    /// <param name="samplingVariance">σ² &gt; 0.</param>
    /// <param name="populationVariance">τ² ≥ 0 (∞ for no pooling).</param>
    public static double ShrinkageFactor(double samplingVariance, double populationVariance) =>
        FA.Shrinkage.factor(samplingVariance, populationVariance);

    /// <summary>Normal-Normal posterior of one group: θ | y ~ N((1−B)y + Bμ, (1−B)σ²).</summary>
    /// <param name="mu">Population mean μ.</param>
    /// <param name="tau">Population sd τ.</param>
    /// <param name="estimate">The group's estimate y.</param>
    /// <param name="stdError">Its standard error σ.</param>
    public static FA.NormalShrinkage NormalShrinkage(double mu, double tau, double estimate, double stdError) =>
        FA.Shrinkage.normal(mu, tau, estimate, stdError);

    /// <summary>Normal-Normal posteriors of many groups with the same μ and τ.</summary>
    /// <param name="mu">Population mean μ.</param>
    /// <param name="tau">Population sd τ.</param>
    /// <param name="estimates">The groups' estimates.</param>
    /// <param name="stdErrors">Their standard errors.</param>
    public static FA.NormalShrinkage[] NormalShrinkage(double mu, double tau, double[] estimates, double[] stdErrors) =>
        FA.Shrinkage.normalGroups(mu, tau, estimates, stdErrors);

    /// <summary>Posterior of a group mean from n observations with sd σ (standard error σ/√n).</summary>
    /// <param name="mu">Population mean μ.</param>
    /// <param name="tau">Population sd τ.</param>
    /// <param name="sigma">Within-group sd σ.</param>
    /// <param name="groupMean">The group's sample mean.</param>
    /// <param name="n">The group's size.</param>
    public static FA.NormalShrinkage NormalMeanShrinkage(double mu, double tau, double sigma, double groupMean, int n) =>
        FA.Shrinkage.normalMean(mu, tau, sigma, groupMean, n);

    /// <summary>Beta-Binomial posterior Beta(α + y, β + n − y).</summary>
    /// <param name="alpha">Prior α.</param>
    /// <param name="beta">Prior β.</param>
    /// <param name="successes">y.</param>
    /// <param name="trials">n.</param>
    public static FA.BetaPosterior BetaBinomialPosterior(double alpha, double beta, int successes, int trials) =>
        FA.Shrinkage.betaBinomial(alpha, beta, successes, trials);

    /// <summary>Gamma-Poisson posterior Gamma(α + y, β + E) (shape, rate).</summary>
    /// <param name="alpha">Prior shape α.</param>
    /// <param name="beta">Prior rate β.</param>
    /// <param name="count">y.</param>
    /// <param name="exposure">E.</param>
    public static FA.GammaPosterior GammaPoissonPosterior(double alpha, double beta, int count, double exposure) =>
        FA.Shrinkage.gammaPoisson(alpha, beta, count, exposure);

    /// <summary>Regression coefficients' posterior with β ~ N(μ, Σ_β), y ~ N(Xβ, σ²I):
    /// V = (Σ⁻¹ + XᵀX/σ²)⁻¹, mean V(Σ⁻¹μ + Xᵀy/σ²).</summary>
    /// <param name="mu">Prior mean μ.</param>
    /// <param name="sigmaBeta">Prior covariance Σ_β.</param>
    /// <param name="sigma">Residual sd σ.</param>
    /// <param name="x">Design matrix X (rows × coefficients).</param>
    /// <param name="y">Responses.</param>
    public static FA.LinearShrinkage LinearShrinkage(double[] mu, double[,] sigmaBeta, double sigma, double[,] x, double[] y)
    {
        ArgumentNullException.ThrowIfNull(mu);
        ArgumentNullException.ThrowIfNull(sigmaBeta);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return FA.Shrinkage.linear(
            Vector<double>.Build.DenseOfArray(mu), Matrix<double>.Build.DenseOfArray(sigmaBeta), sigma,
            Matrix<double>.Build.DenseOfArray(x), Vector<double>.Build.DenseOfArray(y));
    }

    /// <summary>Empirical Bayes Beta(α, β) prior for binomial groups.</summary>
    /// <param name="successes">Successes per group.</param>
    /// <param name="trials">Trials per group.</param>
    /// <param name="method">Moments, or the exact marginal maximum likelihood (the default, when null).</param>
    public static FA.PriorEstimate BetaBinomialPrior(int[] successes, int[] trials, FA.EstimationMethod? method = null) =>
        method is { IsMoments: true }
            ? FA.EmpiricalBayes.betaBinomialMoments(successes, trials)
            : FA.EmpiricalBayes.betaBinomialML(successes, trials);

    /// <summary>Empirical Bayes Gamma(α, β) prior (shape, rate) for Poisson counts with exposures.</summary>
    /// <param name="counts">Counts per group.</param>
    /// <param name="exposures">Exposures per group.</param>
    /// <param name="method">Moments, or the exact marginal maximum likelihood (the default, when null).</param>
    public static FA.PriorEstimate GammaPoissonPrior(int[] counts, double[] exposures, FA.EstimationMethod? method = null) =>
        method is { IsMoments: true }
            ? FA.EmpiricalBayes.gammaPoissonMoments(counts, exposures)
            : FA.EmpiricalBayes.gammaPoissonML(counts, exposures);

    /// <summary>Normal random-effects (meta-analysis) fit y_i ~ N(μ, v_i + τ²), as R's metafor::rma.</summary>
    /// <param name="estimates">Study estimates y_i.</param>
    /// <param name="variances">Their sampling variances v_i.</param>
    /// <param name="method">The τ² estimator; REML when null.</param>
    public static FA.RandomEffectsFit RandomEffects(double[] estimates, double[] variances, FA.TauMethod? method = null) =>
        FA.EmpiricalBayes.randomEffects(method ?? FA.TauMethod.REML, estimates, variances);

    /// <summary>Exact grid posterior of the Beta-Binomial hierarchy under p(α, β) ∝ (α+β)^(−5/2) (BDA3 §5.3).</summary>
    /// <param name="successes">Successes per group.</param>
    /// <param name="trials">Trials per group.</param>
    /// <param name="gridPoints">Grid points per axis (at least 16).</param>
    public static FA.BetaBinomialGridPosterior BetaBinomialGrid(int[] successes, int[] trials, int gridPoints = 100) =>
        FA.GridPosterior.betaBinomial(gridPoints, successes, trials);

    /// <summary>Exact grid posterior of y_j ~ N(θ_j, σ_j), θ_j ~ N(μ, τ) with μ ~ N(muMean, muSd) (flat when
    /// <paramref name="muSd"/> is ∞) and a half-Cauchy(tauScale) prior on τ (uniform when tauScale is ∞) (BDA3 §5.4).</summary>
    /// <param name="y">Group estimates.</param>
    /// <param name="sigma">Their standard errors.</param>
    /// <param name="muMean">Prior mean of μ.</param>
    /// <param name="muSd">Prior sd of μ (∞: flat).</param>
    /// <param name="tauScale">Half-Cauchy scale of τ (∞: uniform).</param>
    /// <param name="gridPoints">Grid points over log τ (at least 16).</param>
    public static FA.NormalHierarchyPosterior NormalHierarchyGrid(
        double[] y, double[] sigma, double muMean = 0, double muSd = double.PositiveInfinity,
        double tauScale = double.PositiveInfinity, int gridPoints = 400)
    {
        var muPrior = double.IsPositiveInfinity(muSd) ? FA.MuPrior.Flat : FA.MuPrior.NewNormal(muMean, muSd);
        var tauPrior = double.IsPositiveInfinity(tauScale)
            ? Interop.Fun<double, double>(FA.GridPosterior.uniformTau)
            : Interop.Fun<double, double>(t => FA.GridPosterior.halfCauchyTau(tauScale, t));
        return FA.GridPosterior.normalHierarchy(gridPoints, muPrior, tauPrior, y, sigma);
    }

    /// <summary>No, complete and partial pooling of Normal estimates, τ estimated by REML.</summary>
    /// <param name="estimates">Group estimates.</param>
    /// <param name="stdErrors">Their standard errors.</param>
    /// <param name="tau">A known population sd τ; estimated when null.</param>
    public static FA.PoolingTable NormalPooling(double[] estimates, double[] stdErrors, double? tau = null) =>
        tau is { } t ? FA.Pooling.normalWithTau(t, estimates, stdErrors) : FA.Pooling.normal(estimates, stdErrors);

    /// <summary>No, complete and partial pooling of binomial rates; Beta prior by marginal ML unless given.</summary>
    /// <param name="successes">Successes per group.</param>
    /// <param name="trials">Trials per group.</param>
    /// <param name="alpha">Prior α (with <paramref name="beta"/>); estimated when null.</param>
    /// <param name="beta">Prior β.</param>
    public static FA.PoolingTable BinomialPooling(int[] successes, int[] trials, double? alpha = null, double? beta = null) =>
        alpha is { } a && beta is { } b
            ? FA.Pooling.binomialWithPrior(a, b, successes, trials)
            : FA.Pooling.binomial(successes, trials);

    /// <summary>No, complete and partial pooling of Poisson rates with exposures; Gamma prior by marginal ML unless given.</summary>
    /// <param name="counts">Counts per group.</param>
    /// <param name="exposures">Exposures per group.</param>
    /// <param name="alpha">Prior shape (with <paramref name="beta"/>); estimated when null.</param>
    /// <param name="beta">Prior rate.</param>
    public static FA.PoolingTable PoissonPooling(int[] counts, double[] exposures, double? alpha = null, double? beta = null) =>
        alpha is { } a && beta is { } b
            ? FA.Pooling.poissonWithPrior(a, b, counts, exposures)
            : FA.Pooling.poisson(counts, exposures);

    /// <summary>Gamma-Poisson marginal: the Negative Binomial log-probability of y given exposure E.</summary>
    /// <param name="alpha">Gamma shape.</param>
    /// <param name="beta">Gamma rate.</param>
    /// <param name="exposure">E.</param>
    /// <param name="y">The count.</param>
    public static double NegativeBinomialLogPmf(double alpha, double beta, double exposure, int y) =>
        FA.Marginals.negativeBinomialLogPmf(alpha, beta, exposure, y);

    /// <summary>Beta-Binomial marginal log-probability of y successes in n trials.</summary>
    /// <param name="alpha">Beta α.</param>
    /// <param name="beta">Beta β.</param>
    /// <param name="trials">n.</param>
    /// <param name="y">Successes.</param>
    public static double BetaBinomialLogPmf(double alpha, double beta, int trials, int y) =>
        FA.Marginals.betaBinomialLogPmf(alpha, beta, trials, y);

    /// <summary>Marginal of a group's sample mean: N(μ, τ² + σ²/n).</summary>
    /// <param name="mu">Population mean.</param>
    /// <param name="tau">Population sd.</param>
    /// <param name="sigma">Within-group sd.</param>
    /// <param name="n">Group size.</param>
    public static FA.NormalMarginal NormalGroupMean(double mu, double tau, double sigma, int n) =>
        FA.Marginals.normalGroupMean(mu, tau, sigma, n);

    /// <summary>Variance components and intra-class correlations of a three-level Normal hierarchy.</summary>
    /// <param name="omega">Sd between top-level groups (0 for two levels).</param>
    /// <param name="tau">Sd between groups within a parent.</param>
    /// <param name="sigma">Sd within a group.</param>
    public static FA.VarianceDecomposition VarianceComponents(double omega, double tau, double sigma) =>
        FA.Marginals.threeLevel(omega, tau, sigma);

    /// <summary>Intra-class correlation τ²/(τ²+σ²).</summary>
    /// <param name="tau">Between-group sd.</param>
    /// <param name="sigma">Within-group sd.</param>
    public static double Icc(double tau, double sigma) => FA.Marginals.icc(tau, sigma);

    /// <summary>Fits the two-group model to z-scores with standard errors by EM (Efron's local fdr).</summary>
    /// <param name="z">Estimates.</param>
    /// <param name="s">Their standard errors.</param>
    public static FA.TwoGroupFit TwoGroup(double[] z, double[] s) => FA.TwoGroup.fit(z, s);

    /// <summary>The largest set whose mean lfdr is at most <paramref name="q"/>.</summary>
    /// <param name="q">Target Bayesian FDR.</param>
    /// <param name="lfdr">Local false discovery rates.</param>
    public static FA.Discoveries Discoveries(double q, double[] lfdr) => FA.TwoGroup.discoveries(q, lfdr);
}
