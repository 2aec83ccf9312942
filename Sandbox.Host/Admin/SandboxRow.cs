using System.Collections.Immutable;

namespace Sandbox.Host.Admin;

/// <summary>One line of <c>sandboxctl sandbox list</c> and the dashboard: a sandbox from the catalog
/// (running, paused or recently ended, with why and when it ended) and, while it has a container, what
/// its host says of it (whether a client is attached, whether code runs).</summary>
public sealed record SandboxRow
{
    public required string Id { get; init; }
    public required string State { get; init; }
    public string? Host { get; init; }
    public string? Owner { get; init; }
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? LastActivityAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public string? EndedReason { get; init; }
    public string? EndedDetail { get; init; }
    public bool? Attached { get; init; }
    public bool? ExecutionRunning { get; init; }
    /// <summary>False for sandboxes the catalog does not list (one-shot /execute sandboxes).</summary>
    public bool InCatalog { get; init; }
}
