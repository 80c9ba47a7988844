using Orleans;

namespace HierFunctional.Orleans;

/// <summary>Which two-level conjugate hierarchy a sharded run samples.</summary>
public enum ShardedModelKind
{
    /// <summary>Normal data with Normal group means and Gamma priors on the two precisions.</summary>
    Normal = 0,

    /// <summary>Poisson counts with exposure and Gamma group rates with a Gamma prior on the rate.</summary>
    GammaPoisson = 1,
}

/// <summary>
/// Everything a shard grain needs to start: the run's model, seed and chain, where its groups start, the block size
/// of the partial sums, and its groups' statistic columns; stored with the checkpoints so a reactivated grain can
/// reload it.
/// </summary>
/// <param name="Spec">The shard's spec in the byte form of <c>ShardCodec.specToBytes</c>.</param>
/// <param name="CheckpointKey">The prefix of this shard's keys in the checkpoint store.</param>
[GenerateSerializer, Immutable]
public sealed record ShardInit([property: Id(0)] byte[] Spec, [property: Id(1)] string CheckpointKey);

/// <summary>One sweep asked of a shard.</summary>
/// <param name="Sweep">The sweep number (0-based); the shard must have drawn the one before.</param>
/// <param name="Globals">The global parameters the groups are drawn given.</param>
/// <param name="Record">Whether this sweep's draws go into the group means (false during warm-up).</param>
[GenerateSerializer, Immutable]
public sealed record SweepRequest([property: Id(0)] int Sweep, [property: Id(1)] double[] Globals, [property: Id(2)] bool Record);

/// <summary>A shard's answer to a sweep.</summary>
/// <param name="Ready">False when the grain holds no state for this run or stands at another sweep (it was
/// reactivated after its silo was lost): the coordinator must restore the run from its last checkpoint.</param>
/// <param name="LastSweep">The sweep the shard stands at after the call (−1 when it holds no state).</param>
/// <param name="BlockSums">The partial sums of each block, block after block (empty when not ready).</param>
[GenerateSerializer, Immutable]
public sealed record SweepReply([property: Id(0)] bool Ready, [property: Id(1)] int LastSweep, [property: Id(2)] double[] BlockSums);

/// <summary>A shard's group summaries at the end of a run.</summary>
/// <param name="Means">Posterior mean of each group over the recorded sweeps.</param>
/// <param name="Sds">Posterior sd of each group over the recorded sweeps.</param>
/// <param name="Silo">The silo the shard ran on last.</param>
[GenerateSerializer, Immutable]
public sealed record ShardSummary([property: Id(0)] double[] Means, [property: Id(1)] double[] Sds, [property: Id(2)] string Silo);
