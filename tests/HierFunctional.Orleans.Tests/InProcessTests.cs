using System;
using System.Linq;
using HierFunctional.Sharded;
using Xunit;

namespace HierFunctional.Orleans.Tests;

/// <summary>The engine without a cluster: the draws do not depend on how the groups are split, and a shard restored
/// from a checkpoint goes on exactly as the one that wrote it.</summary>
public sealed class InProcessTests
{
    private const int Groups = 1000;
    private const int Block = 32;

    private static string Run(ShardedModel model, double[][] stats, double[] start, int shards, int block = Block) =>
        ShardRun.fingerprint(ShardRun.inProcess(model.Model, 17, 0, start, stats, block, shards, 40, 10));

    [Fact]
    public void Normal_hierarchy_draws_are_identical_for_1_2_3_and_4_shards()
    {
        var stats = SyntheticData.NormalStatistics(Groups, 1);
        var reference = Run(SyntheticData.Normal, stats, SyntheticData.NormalStart, 1);
        foreach (var shards in new[] { 2, 3, 4 })
        {
            Assert.Equal(reference, Run(SyntheticData.Normal, stats, SyntheticData.NormalStart, shards));
        }
    }

    [Fact]
    public void Gamma_Poisson_hierarchy_draws_are_identical_for_1_2_3_and_4_shards()
    {
        var stats = SyntheticData.GammaPoissonStatistics(Groups, 2);
        var reference = Run(SyntheticData.GammaPoisson, stats, SyntheticData.GammaPoissonStart, 1);
        foreach (var shards in new[] { 2, 3, 4 })
        {
            Assert.Equal(reference, Run(SyntheticData.GammaPoisson, stats, SyntheticData.GammaPoissonStart, shards));
        }
    }

    [Fact]
    public void The_fingerprint_sees_a_change_of_seed_and_of_block_size()
    {
        // the block size fixes the order of the additions, so it is part of what a run's draws depend on
        var stats = SyntheticData.NormalStatistics(Groups, 1);
        var reference = ShardRun.inProcess(SyntheticData.Normal.Model, 17, 0, SyntheticData.NormalStart, stats, Block, 1, 40, 10);
        var otherSeed = ShardRun.inProcess(SyntheticData.Normal.Model, 18, 0, SyntheticData.NormalStart, stats, Block, 1, 40, 10);
        Assert.NotEqual(ShardRun.fingerprint(reference), ShardRun.fingerprint(otherSeed));
        Assert.NotEqual(ShardRun.fingerprint(reference), Run(SyntheticData.Normal, stats, SyntheticData.NormalStart, 1, block: 100));
    }

    [Fact]
    public void A_shard_restored_from_its_checkpoint_draws_what_the_original_draws()
    {
        var stats = SyntheticData.NormalStatistics(Groups, 3);
        var spec = ShardRun.specs(SyntheticData.Normal.Model, 5, 1, stats, Block, 1)[0];
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
        var state = new ShardState(ShardRun.specs(SyntheticData.GammaPoisson.Model, 5, 1, stats, 10, 1)[0]);
        state.Advance(0, SyntheticData.GammaPoissonStart, false);
        var e = Assert.Throws<InvalidOperationException>(() => state.Advance(2, SyntheticData.GammaPoissonStart, false));
        Assert.Contains("has drawn sweep 0 and was asked for sweep 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_shards_than_blocks_is_refused_with_what_to_change()
    {
        var e = Assert.Throws<ArgumentException>(() => ShardEngine.shardBounds(100, 64, 4));
        Assert.Contains("use a smaller block size or fewer shards", e.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { 0, 64, 128, 192, 250 }, ShardEngine.shardBounds(250, 32, 4).Select(x => x).ToArray());
    }
}
