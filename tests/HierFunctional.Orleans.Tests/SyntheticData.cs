using System;
using System.Collections.Generic;
using HierFunctional.Orleans;
using HierFunctional.Sharded;

namespace HierFunctional.Orleans.Tests;

/// <summary>Rows of simulated hierarchies and their per-group statistics (System.Random with fixed seeds: data, not
/// draws). Rows come in group order and every group has at least one, so the library binds the same groups.</summary>
internal static class SyntheticData
{
    public static readonly ShardedModel Normal = ShardedModel.Normal(0.0, 10.0, 1.0, 1.0, 1.0, 1.0);
    public static readonly double[] NormalStart = { 0.0, 1.0, 1.0 };

    public static readonly ShardedModel GammaPoisson = ShardedModel.GammaPoisson(2.0, 1.0, 1.0, 1.0);
    public static readonly double[] GammaPoissonStart = { 2.0, 1.0 };

    /// <summary>The group of each row and the row columns the model reads (Normal: y; Gamma-Poisson: x, t).</summary>
    public sealed record Rows(int Groups, int[] Group, double[][] Columns);

    /// <summary>J groups with 1..20 rows, θ_j ~ N(5, 2), y ~ N(θ_j, 3).</summary>
    public static Rows NormalRows(int groups, int seed)
    {
        var rng = new Random(seed);
        var group = new List<int>();
        var y = new List<double>();
        for (var j = 0; j < groups; j++)
        {
            var theta = 5.0 + 2.0 * Gaussian(rng);
            for (var i = rng.Next(1, 21); i > 0; i--)
            {
                group.Add(j);
                y.Add(theta + 3.0 * Gaussian(rng));
            }
        }

        return new Rows(groups, group.ToArray(), new[] { y.ToArray() });
    }

    /// <summary>J groups of one row: λ_j ~ Gamma(2, 1), exposure 0.5..5, counts Poisson(λ_j e_j).</summary>
    public static Rows GammaPoissonRows(int groups, int seed)
    {
        var rng = new Random(seed);
        var group = new int[groups];
        var counts = new double[groups];
        var exposure = new double[groups];
        for (var j = 0; j < groups; j++)
        {
            var lambda = -Math.Log(1.0 - rng.NextDouble()) - Math.Log(1.0 - rng.NextDouble());
            group[j] = j;
            exposure[j] = 0.5 + 4.5 * rng.NextDouble();
            counts[j] = Poisson(rng, lambda * exposure[j]);
        }

        return new Rows(groups, group, new[] { counts, exposure });
    }

    /// <summary>The model's statistic columns from its rows, summed as the library sums them.</summary>
    public static double[][] Statistics(ShardedModel model, Rows rows) =>
        model.Model.IsNormal
            ? ShardEngine.normalStatistics(rows.Groups, rows.Group, rows.Columns[0])
            : ShardEngine.gammaPoissonStatistics(rows.Groups, rows.Group, rows.Columns[0], rows.Columns[1]);

    /// <summary>Count, Σy, mean and within-group sum of squares of <see cref="NormalRows"/>.</summary>
    public static double[][] NormalStatistics(int groups, int seed) => Statistics(Normal, NormalRows(groups, seed));

    /// <summary>Σ counts and Σ exposure of <see cref="GammaPoissonRows"/>.</summary>
    public static double[][] GammaPoissonStatistics(int groups, int seed) => Statistics(GammaPoisson, GammaPoissonRows(groups, seed));

    /// <summary>The library's own run (<c>Chains.run</c> on <c>ShardPlan.model</c>) of the rows: the single-process
    /// sampler every sharded run must reproduce.</summary>
    public static ShardedRunResult Library(ShardedModel model, Rows rows, double[] start, int seed, int chain, int sweeps, int warmup) =>
        ShardRun.library(model.Model, seed, chain, start, rows.Groups, rows.Group, rows.Columns, sweeps, warmup);

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
