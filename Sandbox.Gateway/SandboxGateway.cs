using Akka.Actor;

namespace Sandbox.Gateway;

/// <summary>
/// The gateway's handle on the cluster: the shard region (or its proxy) through which it reaches
/// every sandbox, and the node agents that answer operator queries. Never runsc itself.
/// </summary>
public sealed class SandboxGateway(ActorSystem system, IActorRef region, GatewayOptions options, Func<Task<IReadOnlyList<IActorRef>>> hostAgents)
{
    public ActorSystem System { get; } = system;
    public IActorRef Region { get; } = region;
    public GatewayOptions Options { get; } = options;
    /// <summary>The node agents of every sandbox-host member currently up.</summary>
    public Func<Task<IReadOnlyList<IActorRef>>> HostAgents { get; } = hostAgents;
}
