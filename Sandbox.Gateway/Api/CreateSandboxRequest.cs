namespace Sandbox.Gateway.Api;

/// <summary>POST /v1/sandboxes (API-v1.md §2). Every field is optional.</summary>
public sealed record CreateSandboxRequest
{
    /// <summary>Seconds without activity before the sandbox is killed (or paused, see <see cref="OnIdle"/>); 0 or null: never. Default 300.</summary>
    public double? IdleTimeout { get; init; } = 300;
    /// <summary>Absolute lifetime in seconds from creation, separate from the idle timeout; null: none.</summary>
    public double? TtlSeconds { get; init; }
    /// <summary>Whether paused time counts toward the TTL (default: it does not).</summary>
    public bool TtlCountsPaused { get; init; }
    /// <summary>Checkpoints (and so pause, resume and fork) are allowed for this sandbox.</summary>
    public bool EnableCheckpoint { get; init; }
    /// <summary>A filesystem snapshot to start from.</summary>
    public string? FilesystemSnapshotName { get; init; }
    /// <summary>At most 32; keys <c>[a-z0-9_.-]{1,63}</c>, values at most 255 characters.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    /// <summary><c>"kill"</c> (default, as the reference) or <c>"pause"</c> at the idle timeout.</summary>
    public string? OnIdle { get; init; }
    /// <summary>Egress policy (§6); null: the server's default.</summary>
    public NetworkPolicyView? Network { get; init; }
}
