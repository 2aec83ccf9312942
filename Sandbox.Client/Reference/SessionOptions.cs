namespace Sandbox.Client.Reference;

/// <summary>The init message of WS /create (PROTOCOL.md §4.2), and whether the session re-attaches by itself after a dropped socket.</summary>
public sealed record SessionOptions
{
    public double? IdleTimeout { get; init; } = 60;
    public bool EnableCheckpoint { get; init; }
    public bool EnableIdleTimeoutAutoCheckpoint { get; init; }
    public bool EnableSandboxHandoff { get; init; }
    public string? FilesystemSnapshotName { get; init; }
    /// <summary>After a dropped socket: re-attach and replay the running execution's output (PROTOCOL.md reconnect).</summary>
    public bool AutoReconnect { get; init; } = true;
}
