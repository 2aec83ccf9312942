namespace Sandbox.Client;

/// <summary>A sandbox as the server shows it (API-v1.md §2).</summary>
public sealed record SandboxInfo
{
    public required string SandboxId { get; init; }
    /// <summary>Only in the answer to a create (and a fork).</summary>
    public string? SandboxToken { get; init; }
    /// <summary>starting, running, paused or ended.</summary>
    public required string State { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public NetworkPolicy? Network { get; init; }
    public string? Node { get; init; }
    public DateTimeOffset? LastActivityAt { get; init; }
    public int? ProcessesRunning { get; init; }
    public double? IdleTimeout { get; init; }
    public string? OnIdle { get; init; }
    public bool EnableCheckpoint { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    /// <summary>killed, idle_timeout, ttl_expired, deleted_by_operator, host_lost, runtime_failed or evicted.</summary>
    public string? EndedReason { get; init; }
    public string? EndedDetail { get; init; }
}
