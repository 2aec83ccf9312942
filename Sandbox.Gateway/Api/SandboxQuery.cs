namespace Sandbox.Gateway.Api;

/// <summary>GET /v1/sandboxes?label=k=v&amp;state=running: labels AND-ed, an optional state.</summary>
public sealed record SandboxQuery(IReadOnlyDictionary<string, string> Labels, string? State, int Limit = SandboxQuery.MaxListed)
{
    /// <summary>A listing shows at most this many (a host holds thousands of paused sandboxes: issue 15 asks for 2,000).</summary>
    public const int MaxListed = 10_000;
}
