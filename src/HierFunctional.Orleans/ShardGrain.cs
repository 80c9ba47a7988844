using System;
using System.Globalization;
using System.Threading.Tasks;
using HierFunctional.Sharded;
using Orleans;
using Orleans.Runtime;

namespace HierFunctional.Orleans;

/// <summary>The shard grain: a <see cref="ShardState"/> (the F# engine) behind the <see cref="IShardGrain"/> calls.</summary>
[ShardPlacement]
public sealed class ShardGrain : Grain, IShardGrain
{
    private readonly ICheckpointStore store;
    private readonly ILocalSiloDetails silo;
    private ShardState? state;
    private string? checkpointKey;

    /// <summary>A grain with the silo's checkpoint store.</summary>
    public ShardGrain(ICheckpointStore store, ILocalSiloDetails silo)
    {
        this.store = store;
        this.silo = silo;
    }

    private static string SpecKey(string key) => key + "/spec";

    private static string SweepKey(string key, int sweep) =>
        key + "/sweep-" + sweep.ToString("D10", CultureInfo.InvariantCulture);

    private (ShardState State, string Key) Loaded() =>
        state is { } s && checkpointKey is { } k
            ? (s, k)
            : throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} holds no state: call InitAsync or RestoreAsync first.");

    /// <inheritdoc/>
    public async Task InitAsync(ShardInit init)
    {
        var spec = ShardCodec.specOfBytes(init.Spec);
        await store.WriteAsync(SpecKey(init.CheckpointKey), init.Spec);
        state = new ShardState(spec);
        checkpointKey = init.CheckpointKey;
    }

    /// <inheritdoc/>
    public Task<SweepReply> SweepAsync(SweepRequest request)
    {
        if (state is null || state.LastSweep != request.Sweep - 1)
        {
            return Task.FromResult(new SweepReply(false, state?.LastSweep ?? -1, Array.Empty<double>()));
        }

        var sums = state.Advance(request.Sweep, request.Globals, request.Record);
        return Task.FromResult(new SweepReply(true, state.LastSweep, sums));
    }

    /// <inheritdoc/>
    public async Task CheckpointAsync(int sweep)
    {
        var (s, key) = Loaded();
        if (s.LastSweep != sweep)
        {
            throw new InvalidOperationException($"shard {key} stands at sweep {s.LastSweep}, not at the checkpoint's sweep {sweep}.");
        }

        await store.WriteAsync(SweepKey(key, sweep), s.Checkpoint());
    }

    /// <inheritdoc/>
    public async Task ForgetAsync(int sweep)
    {
        var (_, key) = Loaded();
        await store.DeleteAsync(SweepKey(key, sweep));
    }

    /// <inheritdoc/>
    public async Task RestoreAsync(string key, int sweep)
    {
        var specBytes = await store.ReadAsync(SpecKey(key))
            ?? throw new InvalidOperationException($"the checkpoint store has no spec for shard {key}: it was never initialised or was released.");
        var spec = ShardCodec.specOfBytes(specBytes);
        if (sweep < 0)
        {
            state = new ShardState(spec);
        }
        else
        {
            var bytes = await store.ReadAsync(SweepKey(key, sweep))
                ?? throw new InvalidOperationException($"the checkpoint store has no checkpoint of shard {key} after sweep {sweep}.");
            state = ShardState.Restore(spec, bytes);
        }

        checkpointKey = key;
    }

    /// <inheritdoc/>
    public Task<ShardSummary> SummaryAsync()
    {
        var (s, _) = Loaded();
        return Task.FromResult(new ShardSummary(s.GroupMeans, s.GroupSds, silo.SiloAddress.ToString()));
    }

    /// <inheritdoc/>
    public Task<string> SiloAsync() => Task.FromResult(silo.SiloAddress.ToString());

    /// <inheritdoc/>
    public async Task ReleaseAsync()
    {
        if (checkpointKey is { } key)
        {
            await store.DeletePrefixAsync(key + "/");
        }

        state = null;
        checkpointKey = null;
        DeactivateOnIdle();
    }
}
