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

/// <summary>Sharded runs on an in-process multi-silo cluster reproduce the library's single-process sampler
/// (<c>Chains.run</c> on the same model, from the rows) bit for bit.</summary>
public sealed class ClusterTests : IClassFixture<ClusterFixture>
{
    internal const int Groups = 4500;
    internal const int Block = 1024;
    internal const int Sweeps = 60;
    internal const int Warmup = 20;

    private readonly TestCluster cluster;

    public ClusterTests(ClusterFixture fixture) => cluster = fixture.Cluster;

    internal static ShardedRunOptions Options(int shards) => new(shards, Block, Sweeps, Warmup, CheckpointEvery: 10, Seed: 42, Chain: 1);

    /// <summary>The library's run of the rows with the options' seed and chain.</summary>
    internal static ShardedRunResult Reference(ShardedModel model, SyntheticData.Rows rows, double[] start) =>
        SyntheticData.Library(model, rows, start, 42, 1, Sweeps, Warmup);

    /// <summary>The cluster run's recorded sweeps, as the library returns them.</summary>
    internal static string Fingerprint(ShardedRunResult run) => ShardRun.fingerprint(ShardRun.recorded(run, Warmup));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Normal_hierarchy_on_the_cluster_draws_what_the_library_sampler_draws(int shards)
    {
        var rows = SyntheticData.NormalRows(Groups, 11);
        var expected = Reference(SyntheticData.Normal, rows, SyntheticData.NormalStart);
        var stats = SyntheticData.Statistics(SyntheticData.Normal, rows);
        var actual = await new ShardedSampler(cluster.GrainFactory).RunAsync(SyntheticData.Normal, stats, SyntheticData.NormalStart, Options(shards));
        Assert.Equal(0, actual.Recoveries);
        Assert.Equal(ShardRun.fingerprint(expected), Fingerprint(actual));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Gamma_Poisson_hierarchy_with_alpha_sampled_on_the_cluster_draws_what_the_library_sampler_draws(int shards)
    {
        var rows = SyntheticData.GammaPoissonRows(Groups, 12);
        var expected = Reference(SyntheticData.GammaPoisson, rows, SyntheticData.GammaPoissonStart);
        var stats = SyntheticData.Statistics(SyntheticData.GammaPoisson, rows);
        var actual = await new ShardedSampler(cluster.GrainFactory).RunAsync(SyntheticData.GammaPoisson, stats, SyntheticData.GammaPoissonStart, Options(shards));
        Assert.Equal(ShardRun.fingerprint(expected), Fingerprint(actual));
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
