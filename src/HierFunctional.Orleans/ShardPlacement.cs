using System;
using System.Linq;
using System.Threading.Tasks;
using Orleans;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace HierFunctional.Orleans;

/// <summary>Places shard <c>i</c> of a run on silo <c>i mod n</c> of the live silos, ordered by address, so the
/// shards spread evenly and a lost silo's shards move to the others.</summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class ShardPlacementStrategy : PlacementStrategy
{
}

/// <summary>Marks a grain class for <see cref="ShardPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardPlacementAttribute : PlacementAttribute
{
    /// <summary>The attribute.</summary>
    public ShardPlacementAttribute()
        : base(new ShardPlacementStrategy())
    {
    }
}

/// <summary>The director of <see cref="ShardPlacementStrategy"/>: the shard number is the part of the grain key
/// after the last '/'.</summary>
public sealed class ShardPlacementDirector : IPlacementDirector
{
    /// <inheritdoc/>
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target)
            .OrderBy(s => s.Endpoint.Address.ToString(), StringComparer.Ordinal)
            .ThenBy(s => s.Endpoint.Port)
            .ThenBy(s => s.Generation)
            .ToArray();
        var key = target.GrainIdentity.Key.ToString() ?? string.Empty;
        var slash = key.LastIndexOf('/');
        var index = slash >= 0 && int.TryParse(key.AsSpan(slash + 1), out var shard) ? shard : 0;
        return Task.FromResult(silos[index % silos.Length]);
    }
}
