using System;

namespace HierFunctional.Orleans;

/// <summary>How a sharded run is split, how long it runs and how often it checkpoints.</summary>
/// <param name="Shards">Number of shard grains (each a run of whole blocks).</param>
/// <param name="BlockSize">Groups per block that shards are cut at: a multiple of the library's sum block (1,024
/// groups), so every shard owns whole sum blocks and the draws depend neither on it nor on <paramref name="Shards"/>.</param>
/// <param name="Sweeps">Sweeps in all, warm-up included.</param>
/// <param name="Warmup">Leading sweeps left out of the group means.</param>
/// <param name="CheckpointEvery">Sweeps between checkpoints; a lost shard costs at most this many sweeps again.</param>
/// <param name="Seed">The chain's seed.</param>
/// <param name="Chain">The chain number (the second word of every Philox key).</param>
public sealed record ShardedRunOptions(int Shards, int BlockSize, int Sweeps, int Warmup, int CheckpointEvery, int Seed, int Chain)
{
    /// <summary>The run's name in grain keys (<c>"{RunId}/{shard}"</c>) and checkpoint keys; a new GUID when null.
    /// Two runs at once need different names.</summary>
    public string? RunId { get; init; }

    /// <summary>Recoveries from a checkpoint allowed before the run gives up and rethrows.</summary>
    public int MaxRecoveries { get; init; } = 5;

    /// <summary>Attempts at restoring the shards within one recovery (the cluster needs time to declare a silo dead).</summary>
    public int RestoreAttempts { get; init; } = 120;

    /// <summary>Pause between restore attempts.</summary>
    public TimeSpan RestoreDelay { get; init; } = TimeSpan.FromMilliseconds(250);
}
