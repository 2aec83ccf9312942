namespace Sandbox.Client;

/// <summary>POST /v1/sandboxes. Every field is optional.</summary>
public sealed record CreateSandboxOptions
{
    /// <summary>Seconds without activity before the sandbox is killed (or paused); null: the server's default (300).</summary>
    public double? IdleTimeout { get; init; }
    public double? TtlSeconds { get; init; }
    public bool? TtlCountsPaused { get; init; }
    public bool? EnableCheckpoint { get; init; }
    public string? FilesystemSnapshotName { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    /// <summary>"kill" or "pause".</summary>
    public string? OnIdle { get; init; }
    public NetworkPolicy? Network { get; init; }
}
