using Akka.Actor;
using Sandbox.Actors.Hosts;

namespace Sandbox.Gateway;

/// <summary>
/// The gateway's handle on the cluster: the shard region (or its proxy) through which it reaches
/// every sandbox, and the host agents that answer for whole hosts. Never runsc itself.
/// </summary>
public sealed class SandboxGateway(ActorSystem system, IActorRef region, GatewayOptions options, Audit.AuditLog? audit = null)
{
    /// <summary>Where security-relevant actions are recorded.</summary>
    public Audit.AuditLog Audit { get; } = audit ?? Sandbox.Gateway.Audit.AuditLog.Disabled;

    public ActorSystem System { get; } = system;
    public IActorRef Region { get; } = region;
    public GatewayOptions Options { get; } = options;

    /// <summary>The fingerprint of the API key a request presents (its identity as an owner), or null without keys.
    /// Only called after the key filter accepted the request.</summary>
    public string? KeyOf(Microsoft.AspNetCore.Http.HttpRequest request) =>
        Options.ApiKeys.Enabled && ApiKeys.Presented(request) is { } key ? ApiKeys.Fingerprint(key) : null;

    /// <summary>Asks every sandbox host's agent (those that answer in time).</summary>
    public Task<IReadOnlyList<(Akka.Actor.Address Member, T Answer)>> AskHostsAsync<T>(object message) where T : class =>
        HostAgents.AskAllAsync<T>(System, NodeRoles.SandboxHost, message);
}
