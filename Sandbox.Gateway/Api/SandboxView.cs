namespace Sandbox.Gateway.Api;

/// <summary>A sandbox as the API shows it (API-v1.md §2). The token appears only in the answer to its creation.</summary>
public sealed record SandboxView
{
    public required string SandboxId { get; init; }
    public string? SandboxToken { get; init; }
    /// <summary><c>starting</c>, <c>running</c>, <c>paused</c> or <c>ended</c>.</summary>
    public required string State { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public NetworkPolicyView? Network { get; init; }
    /// <summary>The node whose container runs it (while it runs).</summary>
    public string? Node { get; init; }
    public DateTimeOffset? LastActivityAt { get; init; }
    public int? ProcessesRunning { get; init; }
    public double? IdleTimeout { get; init; }
    public string? OnIdle { get; init; }
    public bool EnableCheckpoint { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    /// <summary>killed, idle_timeout, ttl_expired, deleted_by_operator, host_lost, runtime_failed, evicted.</summary>
    public string? EndedReason { get; init; }
    /// <summary>What happened, in words (e.g. the memory cap a runtime failure ran into).</summary>
    public string? EndedDetail { get; init; }
}
