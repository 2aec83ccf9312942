using static Sandbox.Actors.Sandboxes.SandboxProtocol;

namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// What a client is told when it addresses a sandbox that is no longer there for it (deleted,
/// expired, or taken over by another session). Used by the sandbox actor and by a gateway session
/// that knows its sandbox is gone, so both answer the same way.
/// </summary>
public static class AbsentSandboxReplies
{
    public static IReadOnlyList<ISessionEvent> For(object command, string sandboxId, string state) => command switch
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
