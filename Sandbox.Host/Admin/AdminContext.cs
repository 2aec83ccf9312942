using Akka.Actor;
using Akka.Cluster;
using Sandbox.Actors.Hosts;
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
    public Task<IReadOnlyList<HostAgentRef>> HostAgentsAsync() => HostAgents.FindAsync(System, NodeRoles.SandboxHost);

    /// <summary>Every Up sandbox host's load; hosts that do not answer in time are left out.</summary>
    public async Task<IReadOnlyList<HostLoad>> HostLoadsAsync() =>
        (await HostAgents.AskAllAsync<HostLoad>(System, NodeRoles.SandboxHost, GetHostLoad.Instance))
        .Select(a => a.Answer).OrderBy(l => l.Node, StringComparer.Ordinal).ToList();

    /// <summary>This node's own host agent (sandbox hosts only).</summary>
    public ActorSelection LocalHostAgent => System.ActorSelection("/user/" + HostAgent.Name);

    /// <summary>Sends to the sandbox region of another member (its /system/sharding/sandbox), which routes
    /// by sandbox id like ours: used when this node's own region is shutting down.</summary>
    public ActorSelection RegionOn(Address member) => System.ActorSelection(new RootActorPath(member) / "system" / "sharding" / "sandbox");
}
