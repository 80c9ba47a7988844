using System;
using System.Linq;
using HierFunctional.Orleans;

namespace HierFunctional.Orleans.Tests;

/// <summary>Per-group statistics of simulated hierarchies (System.Random with fixed seeds: data, not draws).</summary>
internal static class SyntheticData
{
    public static readonly ShardedModel Normal = ShardedModel.Normal(0.0, 10.0, 1.0, 1.0, 1.0, 1.0);
    public static readonly double[] NormalStart = { 0.0, 1.0, 1.0 };

    public static readonly ShardedModel GammaPoisson = ShardedModel.GammaPoisson(2.0, 1.0, 1.0);
    public static readonly double[] GammaPoissonStart = { 1.0 };

    /// <summary>Count, sum and within-group sum of squares of J groups with 1..20 rows, θ_j ~ N(5, 2), y ~ N(θ_j, 3).</summary>
    public static double[][] NormalStatistics(int groups, int seed)
    {
        var rng = new Random(seed);
        var count = new double[groups];
        var sum = new double[groups];
        var within = new double[groups];
        for (var j = 0; j < groups; j++)
        {
            var theta = 5.0 + 2.0 * Gaussian(rng);
            var ys = Enumerable.Range(0, rng.Next(1, 21)).Select(_ => theta + 3.0 * Gaussian(rng)).ToArray();
            var mean = ys.Average();
            count[j] = ys.Length;
            sum[j] = ys.Sum();
            within[j] = ys.Sum(y => (y - mean) * (y - mean));
        }

        return new[] { count, sum, within };
    }

    /// <summary>Σ counts and Σ exposure of J groups: λ_j ~ Gamma(2, 1), exposure 0.5..5, counts Poisson(λ_j e_j).</summary>
    public static double[][] GammaPoissonStatistics(int groups, int seed)
    {
        var rng = new Random(seed);
        var counts = new double[groups];
        var exposure = new double[groups];
        for (var j = 0; j < groups; j++)
        {
            var lambda = -Math.Log(1.0 - rng.NextDouble()) - Math.Log(1.0 - rng.NextDouble());
            exposure[j] = 0.5 + 4.5 * rng.NextDouble();
            counts[j] = Poisson(rng, lambda * exposure[j]);
        }

        return new[] { counts, exposure };
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2.0 * Math.PI * rng.NextDouble());

    private static double Poisson(Random rng, double mean)
    {
        var limit = Math.Exp(-mean);
        var k = 0;
        for (var p = rng.NextDouble(); p > limit; p *= rng.NextDouble())
        {
            k++;
        }

        return k;
    }
}
