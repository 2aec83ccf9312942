namespace Sandbox.Core.Sandboxes;

/// <summary>A checkpoint in progress: the runner is asked to quiesce (sync <paramref name="SyncId"/>),
/// then `runsc checkpoint` runs; it completes once the archive is stored and the runner's stream ended
/// (frames that still arrive belong to the checkpoint too).</summary>
public sealed record CheckpointInFlight(CheckpointKind Kind, ClientRef? ReplyTo, ClientRef? Operator, uint SyncId,
    bool Started = false, StoredCheckpoint? Stored = null, bool StreamEnded = false)
{
    /// <summary>What the container's network lease counted until the checkpoint.</summary>
    public NetworkBytes LeaseBytes { get; init; }

    public bool Complete => Stored is not null && StreamEnded;
}
