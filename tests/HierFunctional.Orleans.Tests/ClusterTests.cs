using System;
using System.Linq;
using System.Threading.Tasks;
using HierFunctional.Sharded;
using Orleans.TestingHost;
using Xunit;

namespace HierFunctional.Orleans.Tests;

/// <summary>A three-silo cluster shared by the tests that kill nothing.</summary>
public sealed class ClusterFixture : IDisposable
{
    /// <summary>The cluster.</summary>
    public TestCluster Cluster { get; } = FastFailureDetection.Deploy(3);

    /// <inheritdoc/>
    public void Dispose() => Cluster.StopAllSilos();
}

/// <summary>Sharded runs on an in-process multi-silo cluster reproduce the single-process run bit for bit.</summary>
public sealed class ClusterTests : IClassFixture<ClusterFixture>
{
    internal const int Groups = 2000;
    internal const int Block = 64;
    internal const int Sweeps = 60;
    internal const int Warmup = 20;

    private readonly TestCluster cluster;

    public ClusterTests(ClusterFixture fixture) => cluster = fixture.Cluster;

    internal static ShardedRunOptions Options(int shards) => new(shards, Block, Sweeps, Warmup, CheckpointEvery: 10, Seed: 42, Chain: 1);

    internal static ShardedRunResult Reference(ShardedModel model, double[][] stats, double[] start) =>
        ShardRun.inProcess(model.Model, 42, 1, start, stats, Block, 1, Sweeps, Warmup);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Normal_hierarchy_on_the_cluster_draws_what_the_single_process_run_draws(int shards)
    {
        var stats = SyntheticData.NormalStatistics(Groups, 11);
        var expected = Reference(SyntheticData.Normal, stats, SyntheticData.NormalStart);
        var actual = await new ShardedSampler(cluster.GrainFactory).RunAsync(SyntheticData.Normal, stats, SyntheticData.NormalStart, Options(shards));
        Assert.Equal(0, actual.Recoveries);
        Assert.Equal(ShardRun.fingerprint(expected), ShardRun.fingerprint(actual));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Gamma_Poisson_hierarchy_on_the_cluster_draws_what_the_single_process_run_draws(int shards)
    {
        var stats = SyntheticData.GammaPoissonStatistics(Groups, 12);
        var expected = Reference(SyntheticData.GammaPoisson, stats, SyntheticData.GammaPoissonStart);
        var actual = await new ShardedSampler(cluster.GrainFactory).RunAsync(SyntheticData.GammaPoisson, stats, SyntheticData.GammaPoissonStart, Options(shards));
        Assert.Equal(ShardRun.fingerprint(expected), ShardRun.fingerprint(actual));
    }

    [Fact]
    public async Task Four_shards_spread_over_all_three_silos()
    {
        var stats = SyntheticData.GammaPoissonStatistics(Groups, 13);
        var silos = Array.Empty<string>();
        var sampler = new ShardedSampler(cluster.GrainFactory);
        var options = Options(4) with { Sweeps = 2, Warmup = 0, RunId = "spread" };
        await sampler.RunAsync(
            SyntheticData.GammaPoisson,
            stats,
            SyntheticData.GammaPoissonStart,
            options,
            afterSweep: async _ => silos = await sampler.SilosAsync(options.RunId!, 4));
        Assert.Equal(3, silos.Distinct().Count());
    }
}
