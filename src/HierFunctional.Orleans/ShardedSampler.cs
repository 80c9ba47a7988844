using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HierFunctional.Sharded;
using Orleans;
using Orleans.Runtime;

namespace HierFunctional.Orleans;

/// <summary>
/// The coordinator of a sharded run on an Orleans cluster. Per sweep it draws the globals from the combined block
/// sums (a <c>ShardCoordinator</c>: the plan's hyperparameter updates on the chain's generator), sends them to every
/// shard grain and combines their block sums in block order; every <see cref="ShardedRunOptions.CheckpointEvery"/>
/// sweeps the shards write checkpoints. When a shard is lost (its silo died, or it came back empty), every shard is
/// restored to the last committed checkpoint, the coordinator to its state at that sweep, and the sweeps after it
/// are drawn again — with the same counter-based streams, so the result is bit-identical to a run that lost nothing,
/// to <c>ShardRun.inProcess</c>, and to the library's <c>Chains.run</c> on <c>ShardPlan.model</c>.
/// </summary>
public sealed class ShardedSampler
{
    private readonly IGrainFactory grains;

    /// <summary>A coordinator that reaches the shards through <paramref name="grains"/> (a cluster client or a silo).</summary>
    public ShardedSampler(IGrainFactory grains) => this.grains = grains;

    /// <summary>
    /// Runs the chain. <paramref name="statistics"/> holds the model's statistic columns
    /// (<see cref="ShardedModel.StatisticNames"/>), one entry per group; <paramref name="afterSweep"/>, if given, is
    /// awaited after every completed sweep (tests use it to kill a silo mid-run).
    /// </summary>
    public async Task<ShardedRunResult> RunAsync(
        ShardedModel model,
        double[][] statistics,
        double[] initialGlobals,
        ShardedRunOptions options,
        Func<int, Task>? afterSweep = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(initialGlobals);
        ArgumentNullException.ThrowIfNull(options);
        if (initialGlobals.Length != model.GlobalNames.Length)
        {
            throw new ArgumentException($"the model's globals are {string.Join(", ", model.GlobalNames)}, but {initialGlobals.Length} values were given.", nameof(initialGlobals));
        }

        if (options.CheckpointEvery < 1 || options.Sweeps < 1 || options.Warmup < 0)
        {
            throw new ArgumentException("Sweeps and CheckpointEvery must be at least 1 and Warmup at least 0.", nameof(options));
        }

        var m = model.Model;
        var specs = ShardRun.specs(m, options.Seed, options.Chain, initialGlobals, statistics, options.BlockSize, options.Shards);
        var run = options.RunId ?? Guid.NewGuid().ToString("N");
        var keys = Enumerable.Range(0, specs.Length).Select(i => $"{run}/{i}").ToArray();
        var shards = keys.Select(k => grains.GetGrain<IShardGrain>(k)).ToArray();
        await Task.WhenAll(shards.Select((g, i) => g.InitAsync(new ShardInit(ShardCodec.specToBytes(specs[i]), keys[i]))));

        var groups = statistics[0].Length;
        var observations = ShardRun.observations(m, statistics);
        var draws = new double[options.Sweeps][];
        var coordinator = ShardRun.coordinator(m, options.Seed, options.Chain, initialGlobals, statistics);
        var committed = -1;
        var committedState = coordinator.State;
        var recoveries = 0;
        var sweep = 0;

        while (sweep < options.Sweeps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var globals = coordinator.Draw(sweep, sweep < options.Warmup);
            SweepReply[] replies;
            try
            {
                var request = new SweepRequest(sweep, globals, sweep >= options.Warmup);
                replies = await Task.WhenAll(shards.Select(g => g.SweepAsync(request)));
            }
            catch (Exception e) when (IsTransport(e) && recoveries < options.MaxRecoveries)
            {
                replies = Array.Empty<SweepReply>();
            }

            if (replies.Length == 0 || replies.Any(r => !r.Ready))
            {
                if (recoveries >= options.MaxRecoveries)
                {
                    throw new InvalidOperationException($"a shard was lost again after {recoveries} recoveries: giving up at sweep {sweep}.");
                }

                recoveries++;
                await RestoreAsync(shards, keys, committed, options, cancellationToken);
                coordinator = new ShardCoordinator(m, groups, observations, committedState);
                sweep = committed + 1;
                continue;
            }

            coordinator.Absorb(ShardEngine.reduce(m, replies.Select(r => r.BlockSums)));
            draws[sweep] = globals;

            if ((sweep + 1) % options.CheckpointEvery == 0 && sweep + 1 < options.Sweeps)
            {
                // committed only once every shard has written it; the previous one stays until then
                await Task.WhenAll(shards.Select(g => g.CheckpointAsync(sweep)));
                if (committed >= 0)
                {
                    var previous = committed;
                    await Task.WhenAll(shards.Select(g => g.ForgetAsync(previous)));
                }

                committed = sweep;
                committedState = coordinator.State;
            }

            if (afterSweep is not null)
            {
                await afterSweep(sweep);
            }

            sweep++;
        }

        var summaries = await Task.WhenAll(shards.Select(g => g.SummaryAsync()));
        await Task.WhenAll(shards.Select(g => g.ReleaseAsync()));
        return new ShardedRunResult(
            draws,
            summaries.SelectMany(s => s.Means).ToArray(),
            summaries.SelectMany(s => s.Sds).ToArray(),
            recoveries);
    }

    /// <summary>The silo each shard of a run runs on (for placement checks and tests).</summary>
    public Task<string[]> SilosAsync(string run, int shards) =>
        Task.WhenAll(Enumerable.Range(0, shards).Select(i => grains.GetGrain<IShardGrain>($"{run}/{i}").SiloAsync()));

    // A lost silo shows as a rejected or timed-out message; a shard's own failure (a bug) is not caught.
    private static bool IsTransport(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException;

    private static async Task RestoreAsync(IShardGrain[] shards, string[] keys, int committed, ShardedRunOptions options, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Task.WhenAll(shards.Select((g, i) => g.RestoreAsync(keys[i], committed)));
                return;
            }
            catch (Exception e) when (IsTransport(e) && attempt < options.RestoreAttempts)
            {
                await Task.Delay(options.RestoreDelay, cancellationToken);
            }
        }
    }
}
