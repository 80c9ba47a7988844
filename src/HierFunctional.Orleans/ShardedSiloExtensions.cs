using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace HierFunctional.Orleans;

/// <summary>Silo set-up for sharded sampling.</summary>
public static class ShardedSiloExtensions
{
    /// <summary>Registers the checkpoint store (storage every silo can reach) and the shard placement.</summary>
    public static ISiloBuilder AddShardedSampling(this ISiloBuilder builder, ICheckpointStore store)
    {
        builder.Services.AddSingleton(store);
        builder.AddPlacementDirector<ShardPlacementStrategy, ShardPlacementDirector>();
        return builder;
    }
}
