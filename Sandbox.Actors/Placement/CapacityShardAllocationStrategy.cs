using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Placement;

/// <summary>
/// Gives a new shard to the sandbox host with the most free slots (by the node's
/// <see cref="PlacementBoard"/>), falling back to the fewest shards while no host has reported.
/// Rebalancing never moves a shard that holds a live sandbox: a move stops every sandbox in the
/// shard (hand-off), which would checkpoint or delete it. The one move it makes is to give a host
/// that holds no shard at all one shard with no live sandbox in it, once every shard is taken, so
/// that placement can reach that host.
/// </summary>
public sealed class CapacityShardAllocationStrategy : IShardAllocationStrategy, IActorSystemDependentAllocationStrategy
{
    private PlacementBoard? _board;
    private Address _self = Address.AllSystems;

    public void Start(ActorSystem system)
    {
        _board = PlacementBoard.Get(system);
        _self = Akka.Cluster.Cluster.Get(system).SelfAddress;
    }

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var view = _board?.Current ?? PlacementView.Empty;
        var region = currentShardAllocations
            .OrderByDescending(kv => view.Find(AddressOf(kv.Key))?.Free ?? 0)
            .ThenBy(kv => kv.Value.Count)
            .Select(kv => kv.Key)
            .FirstOrDefault() ?? requester;
        return Task.FromResult(region);
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress)
    {
        IImmutableSet<string> none = ImmutableHashSet<string>.Empty;
        var view = _board?.Current ?? PlacementView.Empty;
        if (rebalanceInProgress.Count > 0 || currentShardAllocations.Count < 2 || view.Hosts.Count == 0) return Task.FromResult(none);
        if (currentShardAllocations.Values.Sum(s => s.Count) < SandboxMessageExtractor.MaxShards) return Task.FromResult(none);
        var starved = currentShardAllocations.Any(kv => kv.Value.Count == 0 && view.Find(AddressOf(kv.Key)) is { Free: > 0 });
        if (!starved) return Task.FromResult(none);

        var donor = currentShardAllocations.Where(kv => kv.Value.Count > 1).OrderByDescending(kv => kv.Value.Count).FirstOrDefault();
        if (donor.Key is null || view.Find(AddressOf(donor.Key)) is not { } donorLoad) return Task.FromResult(none);
        var live = donorLoad.SandboxIds.Select(PlacementView.ShardOf).ToHashSet();
        var idle = donor.Value.FirstOrDefault(s => !live.Contains(s));
        return Task.FromResult(idle is null ? none : ImmutableHashSet.Create(idle));
    }

    private Address AddressOf(IActorRef region) => region.Path.Address.HasGlobalScope ? region.Path.Address : _self;
}
