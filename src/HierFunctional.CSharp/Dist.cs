using System;
using System.Collections.Generic;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>
/// A probability distribution whose arguments are expressions. Each family has one parameterization, named in
/// its parameters (sd, not variance; rate, not scale). Use <c>using static HierFunctional.CSharp.Dist;</c> to
/// write <c>Normal(mu, tau)</c>.
/// </summary>
public sealed class Dist : IEquatable<Dist>
{
    internal Dist(F.Dist core) => Core = core;

    internal F.Dist Core { get; }

    /// <summary>The family name as written in the math, e.g. <c>Normal</c> or <c>HalfCauchy</c>.</summary>
    public string Family => F.DistModule.name(Core);

    /// <summary>The parameterization labels of the arguments, in order (e.g. <c>mean</c>, <c>sd</c>), from the family's record.</summary>
    public IReadOnlyList<string> Arguments => F.DistModule.arguments(Core).Select(a => a.Item1).ToArray();

    /// <summary>
    /// Any distribution of the catalogue by its family name (as <see cref="Family"/> prints it) and its arguments in
    /// <see cref="Arguments"/> order, e.g. <c>Dist.Of("LogNormal", mu, sigma)</c>; a new family is available here
    /// as soon as it is in the catalogue.
    /// </summary>
    /// <param name="family">The family name, e.g. <c>ZeroInflatedPoisson</c>.</param>
    /// <param name="args">The arguments.</param>
    /// <exception cref="ArgumentException">The name is not a family, or the number of arguments is wrong.</exception>
    public static Dist Of(string family, params Expr[] args)
    {
        ArgumentNullException.ThrowIfNull(family);
        ArgumentNullException.ThrowIfNull(args);
        var core = Microsoft.FSharp.Collections.ListModule.OfSeq(args.Select((a, i) => Expr.Of(a, $"args[{i}]")));
        var made = F.DistModule.create(family, core);
        return made.IsOk ? new Dist(made.ResultValue) : throw new ArgumentException(made.ErrorValue, nameof(family));
    }

    /// <summary>Normal(mean, sd).</summary>
    /// <param name="mean">The mean.</param>
    /// <param name="sd">The standard deviation.</param>
    public static Dist Normal(Expr mean, Expr sd) => new(F.Distributions.Normal(Expr.Of(mean, nameof(mean)), Expr.Of(sd, nameof(sd))));

    /// <summary>Normal with a precision, BUGS's <c>dnorm(mean, tau)</c>: Normal(mean, tau^-0.5), recognised as a precision by every Normal conjugacy rule.</summary>
    /// <param name="mean">The mean.</param>
    /// <param name="precision">The precision 1/sd².</param>
    public static Dist NormalPrecision(Expr mean, Expr precision) => new(F.Distributions.NormalPrecision(Expr.Of(mean, nameof(mean)), Expr.Of(precision, nameof(precision))));

    /// <summary>A univariate continuous distribution truncated to [lower, upper] and renormalised (BUGS's <c>T(lower, upper)</c>).</summary>
    /// <param name="dist">The distribution to truncate.</param>
    /// <param name="lower">The lower bound.</param>
    /// <param name="upper">The upper bound.</param>
    public static Dist Truncated(Dist dist, Expr lower, Expr upper)
    {
        ArgumentNullException.ThrowIfNull(dist);
        return new(F.Distributions.Truncated(dist.Core, Expr.Of(lower, nameof(lower)), Expr.Of(upper, nameof(upper))));
    }

    /// <summary>A distribution truncated below: [lower, ∞) (BUGS's <c>T(lower, )</c>).</summary>
    /// <param name="dist">The distribution to truncate.</param>
    /// <param name="lower">The lower bound.</param>
    public static Dist TruncatedBelow(Dist dist, Expr lower)
    {
        ArgumentNullException.ThrowIfNull(dist);
        return new(F.Distributions.TruncatedBelow(dist.Core, Expr.Of(lower, nameof(lower))));
    }

    /// <summary>A distribution truncated above: (−∞, upper] (BUGS's <c>T(, upper)</c>).</summary>
    /// <param name="dist">The distribution to truncate.</param>
    /// <param name="upper">The upper bound.</param>
    public static Dist TruncatedAbove(Dist dist, Expr upper)
    {
        ArgumentNullException.ThrowIfNull(dist);
        return new(F.Distributions.TruncatedAbove(dist.Core, Expr.Of(upper, nameof(upper))));
    }

    /// <summary>Student's t(dof, location, scale).</summary>
    /// <param name="dof">Degrees of freedom.</param>
    /// <param name="location">Location.</param>
    /// <param name="scale">Scale.</param>
    public static Dist StudentT(Expr dof, Expr location, Expr scale) => new(F.Distributions.StudentT(Expr.Of(dof, nameof(dof)), Expr.Of(location, nameof(location)), Expr.Of(scale, nameof(scale))));

    /// <summary>Cauchy(location, scale).</summary>
    /// <param name="location">Location.</param>
    /// <param name="scale">Scale.</param>
    public static Dist Cauchy(Expr location, Expr scale) => new(F.Distributions.Cauchy(Expr.Of(location, nameof(location)), Expr.Of(scale, nameof(scale))));

    /// <summary>HalfNormal(sd) on (0, ∞).</summary>
    /// <param name="sd">Scale: the sd of the Normal(0, sd) being folded.</param>
    public static Dist HalfNormal(Expr sd) => new(F.Distributions.HalfNormal(Expr.Of(sd, nameof(sd))));

    /// <summary>HalfCauchy(scale) on (0, ∞).</summary>
    /// <param name="scale">Scale of the Cauchy(0, scale) being folded.</param>
    public static Dist HalfCauchy(Expr scale) => new(F.Distributions.HalfCauchy(Expr.Of(scale, nameof(scale))));

    /// <summary>HalfStudentT(dof, scale) on (0, ∞).</summary>
    /// <param name="dof">Degrees of freedom.</param>
    /// <param name="scale">Scale.</param>
    public static Dist HalfStudentT(Expr dof, Expr scale) => new(F.Distributions.HalfStudentT(Expr.Of(dof, nameof(dof)), Expr.Of(scale, nameof(scale))));

    /// <summary>Uniform(lower, upper) with constant bounds.</summary>
    /// <param name="lower">Lower bound (a constant).</param>
    /// <param name="upper">Upper bound (a constant).</param>
    public static Dist Uniform(Expr lower, Expr upper) => new(F.Distributions.Uniform(Expr.Of(lower, nameof(lower)), Expr.Of(upper, nameof(upper))));

    /// <summary>Exponential(rate).</summary>
    /// <param name="rate">The rate (mean 1/rate).</param>
    public static Dist Exponential(Expr rate) => new(F.Distributions.Exponential(Expr.Of(rate, nameof(rate))));

    /// <summary>Gamma(shape, rate).</summary>
    /// <param name="shape">Shape.</param>
    /// <param name="rate">Rate (mean shape/rate).</param>
    public static Dist Gamma(Expr shape, Expr rate) => new(F.Distributions.Gamma(Expr.Of(shape, nameof(shape)), Expr.Of(rate, nameof(rate))));

    /// <summary>InverseGamma(shape, scale).</summary>
    /// <param name="shape">Shape.</param>
    /// <param name="scale">Scale (mean scale/(shape − 1)).</param>
    public static Dist InverseGamma(Expr shape, Expr scale) => new(F.Distributions.InverseGamma(Expr.Of(shape, nameof(shape)), Expr.Of(scale, nameof(scale))));

    /// <summary>LogNormal: log x ~ Normal(logMean, logSd).</summary>
    /// <param name="logMean">Mean of log x.</param>
    /// <param name="logSd">Sd of log x.</param>
    public static Dist LogNormal(Expr logMean, Expr logSd) => new(F.Distributions.LogNormal(Expr.Of(logMean, nameof(logMean)), Expr.Of(logSd, nameof(logSd))));

    /// <summary>Beta(alpha, beta).</summary>
    /// <param name="alpha">First shape.</param>
    /// <param name="beta">Second shape.</param>
    public static Dist Beta(Expr alpha, Expr beta) => new(F.Distributions.Beta(Expr.Of(alpha, nameof(alpha)), Expr.Of(beta, nameof(beta))));

    /// <summary>Bernoulli(probability).</summary>
    /// <param name="probability">Success probability.</param>
    public static Dist Bernoulli(Expr probability) => new(F.Distributions.Bernoulli(Expr.Of(probability, nameof(probability))));

    /// <summary>Binomial(trials, probability).</summary>
    /// <param name="trials">Number of trials.</param>
    /// <param name="probability">Success probability.</param>
    public static Dist Binomial(Expr trials, Expr probability) => new(F.Distributions.Binomial(Expr.Of(trials, nameof(trials)), Expr.Of(probability, nameof(probability))));

    /// <summary>BetaBinomial(trials, alpha, beta).</summary>
    /// <param name="trials">Number of trials.</param>
    /// <param name="alpha">The Beta's alpha.</param>
    /// <param name="beta">The Beta's beta.</param>
    public static Dist BetaBinomial(Expr trials, Expr alpha, Expr beta) => new(F.Distributions.BetaBinomial(Expr.Of(trials, nameof(trials)), Expr.Of(alpha, nameof(alpha)), Expr.Of(beta, nameof(beta))));

    /// <summary>Poisson(rate) with exposure 1.</summary>
    /// <param name="rate">The rate.</param>
    public static Dist Poisson(Expr rate) => new(F.Distributions.Poisson(Expr.Of(rate, nameof(rate))));

    /// <summary>Poisson(rate × exposure).</summary>
    /// <param name="rate">The rate per unit exposure.</param>
    /// <param name="exposure">The exposure (e.g. time observed).</param>
    public static Dist Poisson(Expr rate, Expr exposure) => new(F.Distributions.Poisson(Expr.Of(rate, nameof(rate)), Expr.Of(exposure, nameof(exposure))));

    /// <summary>NegativeBinomial(mean, dispersion).</summary>
    /// <param name="mean">The mean.</param>
    /// <param name="dispersion">Dispersion φ: variance mean + mean²/φ.</param>
    public static Dist NegativeBinomial(Expr mean, Expr dispersion) => new(F.Distributions.NegativeBinomial(Expr.Of(mean, nameof(mean)), Expr.Of(dispersion, nameof(dispersion))));

    /// <summary>Poisson(rate) with extra zeros: a structural 0 with probability <paramref name="zeroInflation"/> (brms's zero_inflated_poisson).</summary>
    /// <param name="rate">The Poisson mean of the non-structural part.</param>
    /// <param name="zeroInflation">The probability of a structural zero.</param>
    public static Dist ZeroInflatedPoisson(Expr rate, Expr zeroInflation) => new(F.Distributions.ZeroInflatedPoisson(Expr.Of(rate, nameof(rate)), Expr.Of(zeroInflation, nameof(zeroInflation))));

    /// <summary>NegativeBinomial(mean, dispersion) with extra zeros: a structural 0 with probability <paramref name="zeroInflation"/> (brms's zero_inflated_negbinomial).</summary>
    /// <param name="mean">The mean of the non-structural part.</param>
    /// <param name="dispersion">Its dispersion φ (variance mean + mean²/φ).</param>
    /// <param name="zeroInflation">The probability of a structural zero.</param>
    public static Dist ZeroInflatedNegativeBinomial(Expr mean, Expr dispersion, Expr zeroInflation) => new(F.Distributions.ZeroInflatedNegativeBinomial(Expr.Of(mean, nameof(mean)), Expr.Of(dispersion, nameof(dispersion)), Expr.Of(zeroInflation, nameof(zeroInflation))));

    /// <summary>Cumulative logit on {1, …, K}: P(y ≤ k) = inv_logit(cutpoints[k] − eta) for K − 1 strictly increasing
    /// cutpoints (Stan's ordered_logistic, brms's cumulative family).</summary>
    /// <param name="eta">The linear predictor.</param>
    /// <param name="cutpoints">The K − 1 increasing cutpoints, e.g. a node with an <see cref="Ordered"/> prior.</param>
    public static Dist OrderedLogistic(Expr eta, Expr cutpoints) => new(F.Distributions.OrderedLogistic(Expr.Of(eta, nameof(eta)), Expr.Of(cutpoints, nameof(cutpoints))));

    /// <summary><paramref name="size"/> iid copies of a real-valued scalar distribution restricted to increasing
    /// order, e.g. <c>Ordered(StudentT(3, 0, 2.5), 3)</c> for the cutpoints of a 4-category OrderedLogistic.</summary>
    /// <param name="dist">The prior of each cutpoint.</param>
    /// <param name="size">The number of cutpoints.</param>
    public static Dist Ordered(Dist dist, int size)
    {
        ArgumentNullException.ThrowIfNull(dist);
        return new(F.Distributions.Ordered(dist.Core, size));
    }

    /// <summary>Categorical(probabilities) over {0, …, K−1}.</summary>
    /// <param name="probabilities">Probability vector.</param>
    public static Dist Categorical(Expr probabilities) => new(F.Distributions.Categorical(Expr.Of(probabilities, nameof(probabilities))));

    /// <summary>Dirichlet(concentration).</summary>
    /// <param name="concentration">Concentration vector.</param>
    public static Dist Dirichlet(Expr concentration) => new(F.Distributions.Dirichlet(Expr.Of(concentration, nameof(concentration))));

    /// <summary>Multinomial(trials, probabilities).</summary>
    /// <param name="trials">Number of trials.</param>
    /// <param name="probabilities">Probability vector.</param>
    public static Dist Multinomial(Expr trials, Expr probabilities) => new(F.Distributions.Multinomial(Expr.Of(trials, nameof(trials)), Expr.Of(probabilities, nameof(probabilities))));

    /// <summary>MvNormal(mean, covariance).</summary>
    /// <param name="mean">Mean vector.</param>
    /// <param name="covariance">Covariance matrix.</param>
    public static Dist MvNormal(Expr mean, Expr covariance) => new(F.Distributions.MvNormal(Expr.Of(mean, nameof(mean)), Expr.Of(covariance, nameof(covariance))));

    /// <summary>Wishart(dof, scale).</summary>
    /// <param name="dof">Degrees of freedom.</param>
    /// <param name="scale">Scale matrix (mean dof × scale).</param>
    public static Dist Wishart(Expr dof, Expr scale) => new(F.Distributions.Wishart(Expr.Of(dof, nameof(dof)), Expr.Of(scale, nameof(scale))));

    /// <summary>InverseWishart(dof, scale).</summary>
    /// <param name="dof">Degrees of freedom.</param>
    /// <param name="scale">Scale matrix (mean scale / (dof − K − 1)).</param>
    public static Dist InverseWishart(Expr dof, Expr scale) => new(F.Distributions.InverseWishart(Expr.Of(dof, nameof(dof)), Expr.Of(scale, nameof(scale))));

    /// <summary>SpikeAndSlab(zeroWeight, slabSd): π₀·δ₀ + (1 − π₀)·Normal(0, slabSd).</summary>
    /// <param name="zeroWeight">Probability of exactly 0.</param>
    /// <param name="slabSd">Sd of the Normal(0, slabSd) slab.</param>
    public static Dist SpikeAndSlab(Expr zeroWeight, Expr slabSd) => new(F.Distributions.SpikeAndSlab(Expr.Of(zeroWeight, nameof(zeroWeight)), Expr.Of(slabSd, nameof(slabSd))));
    /// <summary>LKJ(eta) on a dim×dim correlation matrix, stored as its Cholesky factor.</summary>
    /// <param name="dim">Matrix dimension.</param>
    /// <param name="eta">Shape (1 is uniform over correlation matrices).</param>
    public static Dist LkjCholesky(int dim, Expr eta) => new(F.Distributions.LkjCholesky(dim, Expr.Of(eta, nameof(eta))));

    /// <summary>An improper flat density on a support; combine with <see cref="Model.Factor"/> for custom hyperpriors.</summary>
    /// <param name="support">Where the density is 1, e.g. <c>HierFunctional.Support.Positive</c>.</param>
    public static Dist Flat(F.Support support)
    {
        ArgumentNullException.ThrowIfNull(support);
        return new(F.Distributions.Flat(support));
    }

    /// <summary>Structural equality: same family, structurally equal arguments.</summary>
    /// <param name="other">The other distribution.</param>
    public bool Equals(Dist? other) => other is not null && Core.Equals(other.Core);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Dist d && Equals(d);

    /// <inheritdoc/>
    public override int GetHashCode() => Core.GetHashCode();

    /// <summary>The distribution as the F# core prints it.</summary>
    public override string ToString() => Core.ToString() ?? string.Empty;

    internal static F.Dist Of(Dist? d, string parameter)
    {
        ArgumentNullException.ThrowIfNull(d, parameter);
        return d.Core;
    }
}
