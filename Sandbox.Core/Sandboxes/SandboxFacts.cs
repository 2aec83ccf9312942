namespace Sandbox.Core.Sandboxes;

/// <summary>What the decider needs to know beyond the sandbox's own state: the clock, this node,
/// what the node can do, and (for a create) whether the host admits a new sandbox.</summary>
public sealed record SandboxFacts
{
    public required DateTimeOffset Now { get; init; }
    /// <summary>This node's address, recorded as the sandbox's node when a container starts here.</summary>
    public required string Node { get; init; }
    public bool CheckpointStore { get; init; }
    public bool SnapshotStore { get; init; }
    public bool ReadonlyFilesystem { get; init; }
    /// <summary>The node gives sandboxes a network of their own (RUNSC_DISABLE_NETWORKING=false).</summary>
    public bool Networking { get; init; }
    /// <summary>The node runs its coordinated shutdown: its region is handing shards off.</summary>
    public bool NodeShuttingDown { get; init; }
    /// <summary>For a create of a new sandbox: null when the host admitted it (a slot is taken), else why not.</summary>
    public HostRefusal? Admission { get; init; }
    /// <summary>For an admitted create on a host that was full: the sandbox it chose to pause to make room.</summary>
    public string? MakeRoomBy { get; init; }
    public SandboxLimits Limits { get; init; } = new();
}
