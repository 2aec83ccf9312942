namespace Sandbox.Core.Sandboxes;

/// <summary>What a client asked for when it created the sandbox (PROTOCOL.md §4.2).</summary>
/// <param name="DeleteOnDetach">One-shot sandboxes (HTTP /execute) end when their session ends and are never journaled.</param>
public sealed record SandboxSettings(
    double? IdleTimeoutSeconds,
    bool EnableCheckpoint,
    bool AutoCheckpointOnIdle,
    bool EnableHandoff,
    string? FilesystemSnapshotName,
    bool DeleteOnDetach)
{
    public static readonly SandboxSettings Default = new(300, false, false, false, null, false);
}
