using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Core.Sandboxes;

/// <summary>
/// The one place that builds the status sequences a reference client sees (PROTOCOL.md §6–§9), so the
/// sandbox, and a gateway session that knows its sandbox is gone, answer alike.
/// </summary>
public static class SessionReplies
{
    /// <summary>Why an attached client's sandbox is going away.</summary>
    public enum Ending
    {
        /// <summary>kill_sandbox: KILLING, DELETING, DELETED, KILLED, close 1000.</summary>
        KilledByClient,
        /// <summary>Idle expiry, an operator's delete, a node stopping: DELETING, DELETED, close 1000.</summary>
        Deleted,
        /// <summary>The container died: SANDBOX_ERROR with the reason, DELETED, close 4000.</summary>
        ContainerDied,
        /// <summary>A one-shot session ended: there is nobody to tell.</summary>
        Silent,
    }

    /// <summary>What the attached client hears when its sandbox ends; a running execution first gets its DONE.</summary>
    public static IReadOnlyList<ISessionEvent> Teardown(Ending ending, bool executionRunning, string? error = null)
    {
        var done = executionRunning ? new ISessionEvent[] { new StatusEvent(SandboxStatus.ExecutionDone) } : [];
        return ending switch
        {
            Ending.KilledByClient =>
            [
                new StatusEvent(SandboxStatus.Killing), new StatusEvent(SandboxStatus.Deleting), .. done,
                new StatusEvent(SandboxStatus.Deleted), new StatusEvent(SandboxStatus.Killed), new CloseSession(CloseCodes.Normal),
            ],
            Ending.Deleted => [new StatusEvent(SandboxStatus.Deleting), .. done, new StatusEvent(SandboxStatus.Deleted), new CloseSession(CloseCodes.Normal)],
            Ending.ContainerDied => [.. done, new StatusEvent(SandboxStatus.Error, error), new StatusEvent(SandboxStatus.Deleted), new CloseSession(CloseCodes.ApplicationError)],
            _ => [],
        };
    }

    /// <summary>A checkpoint is stored and the container gone: DELETING, DELETED (before CHECKPOINTED,
    /// which stops the Python client from reconnecting), CHECKPOINTED when the client asked, close 1000.</summary>
    public static IReadOnlyList<ISessionEvent> Checkpointed(bool clientAsked) =>
    [
        new StatusEvent(SandboxStatus.Deleting), new StatusEvent(SandboxStatus.Deleted),
        .. clientAsked ? new ISessionEvent[] { new StatusEvent(SandboxStatus.Checkpointed) } : [],
        new CloseSession(CloseCodes.Normal),
    ];

    /// <summary>A checkpoint failed and took the container with it.</summary>
    public static IReadOnlyList<ISessionEvent> CheckpointLostContainer(string message) =>
        [new StatusEvent(SandboxStatus.CheckpointError, message), new StatusEvent(SandboxStatus.Deleted), new CloseSession(CloseCodes.ApplicationError)];

    /// <summary>A checkpoint was asked of a sandbox that cannot take one (§6.6: the sandbox keeps running).</summary>
    public static IReadOnlyList<ISessionEvent> CheckpointRefused(string message) =>
        [new StatusEvent(SandboxStatus.CheckpointError, message), new CloseSession(CloseCodes.ApplicationError)];

    /// <summary>§9.8 in a cluster: the sandbox never has to move, so a second valid attach takes the
    /// session over. The first client sees the release sequence it expects.</summary>
    public static IReadOnlyList<ISessionEvent> HandedOff(bool executionRunning) =>
    [
        new StatusEvent(SandboxStatus.LockReleaseRequested), new StatusEvent(SandboxStatus.Checkpointing),
        .. executionRunning ? new ISessionEvent[] { new StatusEvent(SandboxStatus.ExecutionForceKilled), new StatusEvent(SandboxStatus.ExecutionDone) } : [],
        new StatusEvent(SandboxStatus.Deleting), new StatusEvent(SandboxStatus.LockReleasing), new StatusEvent(SandboxStatus.LockReleased),
        new StatusEvent(SandboxStatus.Deleted), new StatusEvent(SandboxStatus.Checkpointed), SessionReplaced.Instance,
    ];

    public static SandboxRejected InvalidToken() => new(SandboxStatus.PermissionDenialError, "Invalid sandbox token.", CloseCodes.ApplicationError);

    public static SandboxRejected MissingToken() => new(SandboxStatus.PermissionDenialError, "Sandbox token is missing.", CloseCodes.ApplicationError);

    public static SandboxRejected NotFound() => new(SandboxStatus.NotFound, null, CloseCodes.InternalError);

    public static SandboxRejected InUse() => new(SandboxStatus.InUse, null, CloseCodes.InternalError);

    public static SandboxRejected AlreadyExisted(string sandboxId) =>
        new(SandboxStatus.CreationError, $"Failed to create gVisor container: sandbox {sandboxId} already existed", CloseCodes.ApplicationError);

    /// <summary>What a client is told when it addresses a sandbox that is no longer there for it
    /// (ended, paused, or taken over by another session). <paramref name="state"/> names it in the text.</summary>
    public static IReadOnlyList<ISessionEvent> WhenAbsent(object command, string sandboxId, string state) => command switch
    {
        ExecuteCode => [new StatusEvent(SandboxStatus.ExecutionError, $"Cannot execute code in a sandbox that is not in the RUNNING state ({state}).")],
        WriteStdin => [new StatusEvent(SandboxStatus.ExecutionError, "No process is running in the sandbox.")],
        KillProcess => [new StatusEvent(SandboxStatus.ExecutionForceKilled)],
        // (R) §6.5: answer KILLED even when the sandbox is already gone, so clients need not time out.
        KillSandbox => [new StatusEvent(SandboxStatus.Killed), new CloseSession(CloseCodes.Normal)],
        Reconnect => [new StatusEvent(SandboxStatus.ExecutionDone)],
        CheckpointSandbox =>
        [
            new StatusEvent(SandboxStatus.Checkpointing),
            new StatusEvent(SandboxStatus.CheckpointError, $"Failed to checkpoint sandbox {sandboxId}: Sandbox {sandboxId} is not running."),
            new CloseSession(CloseCodes.ApplicationError),
        ],
        SnapshotFilesystem =>
        [
            new StatusEvent(SandboxStatus.FilesystemSnapshotCreating),
            new StatusEvent(SandboxStatus.FilesystemSnapshotError, $"Failed to snapshot filesystem for sandbox {sandboxId}: Sandbox {sandboxId} is not running."),
        ],
        _ => [],
    };
}
