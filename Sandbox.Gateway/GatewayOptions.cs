using Sandbox.Actors.Placement;
using Sandbox.Core.Placement;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Gateway;

/// <summary>What the gateway needs to know to answer clients before a sandbox is involved.</summary>
public sealed record GatewayOptions
{
    /// <summary>Checkpoint storage is configured (SANDBOX_CHECKPOINT_* variables).</summary>
    public bool CheckpointStorageEnabled { get; init; }
    /// <summary>Filesystem snapshot storage is configured (FILESYSTEM_SNAPSHOT_* variables).</summary>
    public bool SnapshotStorageEnabled { get; init; }
    /// <summary>Sandbox hosts give sandboxes a network (RUNSC_DISABLE_NETWORKING=false): policies other than <c>none</c> are possible.</summary>
    public bool NetworkingEnabled { get; init; }
    /// <summary>Largest WebSocket message a client may send (code included).</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>Largest request body of POST /execute; larger gets 413.</summary>
    public long MaxExecuteBodyBytes { get; init; } = 4 * 1024 * 1024;
    /// <summary>How often the server pings; a peer that does not answer within the timeout is dropped.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>How long a create or attach keeps trying to reach a sandbox host (failover included)
    /// before the client gets an error.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>The same for a create: long enough for a crashed host to be downed (its shards move).</summary>
    public TimeSpan CreateTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Cluster-wide caps on sandboxes and concurrent creates (0 = none), checked against the
    /// placement view; each host enforces its own caps exactly.</summary>
    public ClusterLimits ClusterLimits { get; init; } = new();
    /// <summary>Hosts a create tries (each refusal by a full or busy host moves it to the next) before the client is told.</summary>
    public int CreatePlacementAttempts { get; init; } = 3;
    /// <summary>How long a create waits for a host to finish starting other sandboxes before it is
    /// refused as busy (HTTP 429); refusals for lack of room are immediate.</summary>
    public TimeSpan CreateBusyWait { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Keys accepted on /create, /attach, /execute and the operator routes (SANDBOX_API_KEYS,
    /// SANDBOX_API_KEYS_FILE); none configured leaves the client routes open.</summary>
    public ApiKeys ApiKeys { get; init; } = ApiKeys.None;
    /// <summary>Quotas per API key (only with keys configured).</summary>
    public KeyQuotas KeyQuotas { get; init; } = new();
    /// <summary>Kestrel limits that cut slow or oversized clients (see <see cref="GatewayHttpLimits"/>).</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The §4.3 checks (steps 3–6) in the reference's order; null when the create may go ahead.</summary>
    public string? CreationRefusal(SandboxSettings s)
    {
        if (s.EnableCheckpoint && !CheckpointStorageEnabled) return "Checkpointing is not enabled on the server.";
        if (s.FilesystemSnapshotName is not null && !SnapshotStorageEnabled) return "Filesystem snapshot is not enabled on the server.";
        if (s.FilesystemSnapshotName is { } name && !SnapshotNames.IsValid(name)) return "Failed to create gVisor container: " + SnapshotNames.Rule(name);
        if (s.EnableHandoff && !s.EnableCheckpoint) return "Sandbox handoff requires checkpointing to be enabled.";
        if (s.AutoCheckpointOnIdle && !s.EnableCheckpoint) return "Idle timeout auto checkpoint requires checkpointing to be enabled.";
        return null;
    }
}
