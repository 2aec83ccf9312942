using Akka.Actor;
using Akka.Cluster;
using Sandbox.Actors.Placement;

namespace Sandbox.Gateway.Api;

/// <summary>
/// Which host a sandbox's shard lives on (by this node's placement board) and whether that host is
/// still an Up, reachable member. A long operation (pause, fork, a call that restores) asked of a
/// sandbox whose host dies would otherwise keep its caller waiting for the whole operation timeout.
/// </summary>
internal static class SandboxHosts
{
    public static string? HostOf(ActorSystem system, string sandboxId)
    {
        var shard = PlacementView.ShardOf(sandboxId);
        return PlacementBoard.Get(system).Current.Hosts.FirstOrDefault(h => h.Shards.Contains(shard))?.Node;
    }

    public static bool Reachable(ActorSystem system, string node)
    {
        var state = Cluster.Get(system).State;
        return state.Members.Any(m => m.Address.ToString() == node && m.Status == MemberStatus.Up)
               && !state.Unreachable.Any(m => m.Address.ToString() == node);
    }
}
