namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>GET /v1/sandboxes/{id}/events: the sandbox's history, oldest first.</summary>
public sealed record EventList(IReadOnlyList<SandboxEventView> Events);
