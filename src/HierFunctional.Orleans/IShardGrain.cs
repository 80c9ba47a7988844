using System.Threading.Tasks;
using Orleans;

namespace HierFunctional.Orleans;

/// <summary>
/// A shard of groups of one sharded run (key: <c>"{run}/{shard}"</c>): holds the groups' sufficient statistics and
/// current values, draws them per sweep given the globals, and checkpoints them to the silo's
/// <see cref="ICheckpointStore"/>.
/// </summary>
public interface IShardGrain : IGrainWithStringKey
{
    /// <summary>Takes the shard's groups and stores its spec, so a reactivation elsewhere can reload it.</summary>
    Task InitAsync(ShardInit init);

    /// <summary>Draws the shard's groups for one sweep and returns the block sums.</summary>
    Task<SweepReply> SweepAsync(SweepRequest request);

    /// <summary>Writes the shard's state after sweep <paramref name="sweep"/> to the checkpoint store.</summary>
    Task CheckpointAsync(int sweep);

    /// <summary>Deletes the checkpoint of sweep <paramref name="sweep"/> (once a later one is committed).</summary>
    Task ForgetAsync(int sweep);

    /// <summary>The silo the grain runs on.</summary>
    Task<string> SiloAsync();

    /// <summary>Reloads the spec and the state of checkpoint <paramref name="sweep"/> (−1: the start) from the store, under the shard's key prefix <paramref name="key"/>.</summary>
    Task RestoreAsync(string key, int sweep);

    /// <summary>The group means and sds so far, and the silo the grain runs on.</summary>
    Task<ShardSummary> SummaryAsync();

    /// <summary>Drops the shard's checkpoints and deactivates the grain.</summary>
    Task ReleaseAsync();
}
