namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>GET /v1/sandboxes: the caller's sandboxes that match the filters (tokens never included).</summary>
public sealed record SandboxList(IReadOnlyList<SandboxView> Sandboxes);
