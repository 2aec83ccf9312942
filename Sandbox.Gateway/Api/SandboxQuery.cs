namespace Sandbox.Gateway.Api;

/// <summary>GET /v1/sandboxes?label=k=v&amp;state=running: labels AND-ed, an optional state.</summary>
public sealed record SandboxQuery(IReadOnlyDictionary<string, string> Labels, string? State, int Limit = 1000);
