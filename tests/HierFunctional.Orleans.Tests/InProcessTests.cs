using System;
using System.Linq;
using HierFunctional.Sharded;
using Xunit;

namespace HierFunctional.Orleans.Tests;

/// <summary>The engine without a cluster: its draws are the library sampler's, they do not depend on how the groups
/// are split, and a shard restored from a checkpoint goes on exactly as the one that wrote it.</summary>
public sealed class InProcessTests
{
    private const int Groups = 4500;
    private const int Block = 1024;
    private const int Sweeps = 40;
    private const int Warmup = 10;

    private static string Run(ShardedModel model, double[][] stats, double[] start, int shards, int block = Block, int seed = 17) =>
        ShardRun.fingerprint(ShardRun.recorded(ShardRun.inProcess(model.Model, seed, 0, start, stats, block, shards, Sweeps, Warmup), Warmup));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Normal_hierarchy_draws_are_the_library_samplers_for_1_and_3_shards(int shards)
    {
        var rows = SyntheticData.NormalRows(Groups, 1);
        var library = SyntheticData.Library(SyntheticData.Normal, rows, SyntheticData.NormalStart, 17, 0, Sweeps, Warmup);
        var stats = SyntheticData.Statistics(SyntheticData.Normal, rows);
        Assert.Equal(ShardRun.fingerprint(library), Run(SyntheticData.Normal, stats, SyntheticData.NormalStart, shards));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Gamma_Poisson_hierarchy_draws_are_the_library_samplers_for_1_and_3_shards(int shards)
    {
        var rows = SyntheticData.GammaPoissonRows(Groups, 2);
        var library = SyntheticData.Library(SyntheticData.GammaPoisson, rows, SyntheticData.GammaPoissonStart, 17, 0, Sweeps, Warmup);
        var stats = SyntheticData.Statistics(SyntheticData.GammaPoisson, rows);
        Assert.Equal(ShardRun.fingerprint(library), Run(SyntheticData.GammaPoisson, stats, SyntheticData.GammaPoissonStart, shards));
    }

    [Fact]
    public void The_fingerprint_sees_a_change_of_seed_but_the_shard_block_size_changes_nothing()
    {
        // the sums are formed in the library's fixed blocks; the block size only says where shards may be cut
        var stats = SyntheticData.NormalStatistics(Groups, 1);
        var reference = Run(SyntheticData.Normal, stats, SyntheticData.NormalStart, 1);
        Assert.NotEqual(reference, Run(SyntheticData.Normal, stats, SyntheticData.NormalStart, 1, seed: 18));
        Assert.Equal(reference, Run(SyntheticData.Normal, stats, SyntheticData.NormalStart, 2, block: 2048));
    }

    [Fact]
    public void A_shard_restored_from_its_checkpoint_draws_what_the_original_draws()
    {
        var stats = SyntheticData.NormalStatistics(Groups, 3);
        var spec = ShardRun.specs(SyntheticData.Normal.Model, 5, 1, SyntheticData.NormalStart, stats, Block, 1)[0];
        var original = new ShardState(spec);
        var globals = SyntheticData.NormalStart;
        for (var s = 0; s < 7; s++)
        {
            original.Advance(s, globals, s >= 3);
        }

        var restored = ShardState.Restore(ShardCodec.specOfBytes(ShardCodec.specToBytes(spec)), original.Checkpoint());
        var a = original.Advance(7, globals, true);
        var b = restored.Advance(7, globals, true);
        Assert.Equal(a, b);
        Assert.Equal(original.GroupMeans, restored.GroupMeans);
        Assert.Equal(original.GroupSds, restored.GroupSds);
        Assert.Equal(5, restored.Recorded);
    }

    [Fact]
    public void A_shard_refuses_a_sweep_out_of_order()
    {
        var stats = SyntheticData.GammaPoissonStatistics(100, 4);
        var state = new ShardState(ShardRun.specs(SyntheticData.GammaPoisson.Model, 5, 1, SyntheticData.GammaPoissonStart, stats, Block, 1)[0]);
        state.Advance(0, SyntheticData.GammaPoissonStart, false);
        var e = Assert.Throws<InvalidOperationException>(() => state.Advance(2, SyntheticData.GammaPoissonStart, false));
        Assert.Contains("has drawn sweep 0 and was asked for sweep 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_shards_than_blocks_and_a_block_size_off_the_sum_blocks_are_refused_with_what_to_change()
    {
        var e = Assert.Throws<ArgumentException>(() => ShardEngine.shardBounds(2000, 1024, 4));
        Assert.Contains("use fewer shards", e.Message, StringComparison.Ordinal);
        var f = Assert.Throws<ArgumentException>(() => ShardEngine.shardBounds(2000, 64, 1));
        Assert.Contains("multiple of 1024", f.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { 0, 1024, 2048, 3072, 4500 }, ShardEngine.shardBounds(4500, 1024, 4).Select(x => x).ToArray());
    }
}
