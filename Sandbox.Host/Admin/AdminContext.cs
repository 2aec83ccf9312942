using Akka.Actor;
using Akka.Cluster;
using Sandbox.Actors.Hosting;
using Sandbox.Host.Configuration;

namespace Sandbox.Host.Admin;

/// <summary>What the admin endpoints work with: this node's ActorSystem, the sandbox region (or its
/// proxy), its settings and resources.</summary>
public sealed class AdminContext(ActorSystem system, IActorRef region, SandboxHostSettings settings, NodeResources node)
{
    public ActorSystem System { get; } = system;
    public IActorRef Region { get; } = region;
    public SandboxHostSettings Settings { get; } = settings;
    public NodeResources Node { get; } = node;
    public Cluster Cluster => Cluster.Get(System);

    /// <summary>The host agents of every sandbox-host member that is Up, with their member address.</summary>
    public async Task<IReadOnlyList<(Address Address, IActorRef Agent)>> HostAgentsAsync()
    {
        var members = Cluster.State.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.SandboxHost)).ToList();
        var found = await Task.WhenAll(members.Select(async m =>
        {
            try { return (m.Address, await System.ActorSelection(new RootActorPath(m.Address) / "user" / HostAgent.Name).ResolveOne(TimeSpan.FromSeconds(3))); }
            catch (Exception) { return (m.Address, (IActorRef?)null); }
        }));
        return found.Where(f => f.Item2 is not null).Select(f => (f.Address, f.Item2!)).ToList();
    }

    /// <summary>Every Up sandbox host's load; hosts that do not answer in time are left out.</summary>
    public async Task<IReadOnlyList<HostLoad>> HostLoadsAsync()
    {
        var agents = await HostAgentsAsync();
        var loads = await Task.WhenAll(agents.Select(async a =>
        {
            try { return await a.Agent.Ask<HostLoad>(GetHostLoad.Instance, TimeSpan.FromSeconds(5)); }
            catch (Exception) { return null; }
        }));
        return loads.OfType<HostLoad>().OrderBy(l => l.Node, StringComparer.Ordinal).ToList();
    }

    /// <summary>This node's own host agent (sandbox hosts only).</summary>
    public ActorSelection LocalHostAgent => System.ActorSelection("/user/" + HostAgent.Name);

    /// <summary>Sends to the sandbox region of another member (its /system/sharding/sandbox), which routes
    /// by sandbox id like ours: used when this node's own region is shutting down.</summary>
    public ActorSelection RegionOn(Address member) => System.ActorSelection(new RootActorPath(member) / "system" / "sharding" / "sandbox");
}
