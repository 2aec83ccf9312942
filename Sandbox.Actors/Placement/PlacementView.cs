using Akka.Actor;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Placement;

/// <summary>
/// The sandbox hosts as this node last heard from them: their load, capacity and shards. At most
/// about one poll interval old; hosts that did not answer the last poll are not in it.
/// </summary>
public sealed record PlacementView(IReadOnlyList<HostLoad> Hosts, DateTime TakenAtUtc)
{
    public static readonly PlacementView Empty = new([], DateTime.MinValue);

    private static readonly SandboxMessageExtractor Extractor = new();

    public HostLoad? Find(Address node) => Hosts.FirstOrDefault(h => h.Node == node.ToString());

    /// <summary>Shards that some host holds; the others are allocated on first use.</summary>
    public IReadOnlySet<string> AllocatedShards() => Hosts.SelectMany(h => h.Shards).ToHashSet();

    /// <summary>The shard a sandbox id belongs to (the same function sharding routes by).</summary>
    public static string ShardOf(string sandboxId) => Extractor.ShardId(sandboxId, null);
}
