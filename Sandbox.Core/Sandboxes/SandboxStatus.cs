namespace Sandbox.Core.Sandboxes;

/// <summary>The status strings of PROTOCOL.md §3, sent verbatim in status_update events.</summary>
public static class SandboxStatus
{
    public const string Creating = "SANDBOX_CREATING";
    public const string Running = "SANDBOX_RUNNING";
    public const string NotFound = "SANDBOX_NOT_FOUND";
    public const string InUse = "SANDBOX_IN_USE";
    public const string CreationError = "SANDBOX_CREATION_ERROR";
    public const string PermissionDenialError = "SANDBOX_PERMISSION_DENIAL_ERROR";
    public const string Restoring = "SANDBOX_RESTORING";
    public const string RestoreError = "SANDBOX_RESTORE_ERROR";
    public const string ExecutionRunning = "SANDBOX_EXECUTION_RUNNING";
    public const string ExecutionDone = "SANDBOX_EXECUTION_DONE";
    public const string ExecutionError = "SANDBOX_EXECUTION_ERROR";
    public const string ExecutionUnsupportedLanguageError = "SANDBOX_EXECUTION_UNSUPPORTED_LANGUAGE_ERROR";
    public const string ExecutionForceKilled = "SANDBOX_EXECUTION_FORCE_KILLED";
    public const string ExecutionForceKillError = "SANDBOX_EXECUTION_FORCE_KILL_ERROR";
    public const string ExecutionInProgressError = "SANDBOX_EXECUTION_IN_PROGRESS_ERROR";
    public const string StdinError = "SANDBOX_STDIN_ERROR";
    public const string Checkpointing = "SANDBOX_CHECKPOINTING";
    public const string Checkpointed = "SANDBOX_CHECKPOINTED";
    public const string CheckpointError = "SANDBOX_CHECKPOINT_ERROR";
    public const string FilesystemSnapshotCreating = "SANDBOX_FILESYSTEM_SNAPSHOT_CREATING";
    public const string FilesystemSnapshotCreated = "SANDBOX_FILESYSTEM_SNAPSHOT_CREATED";
    public const string FilesystemSnapshotError = "SANDBOX_FILESYSTEM_SNAPSHOT_ERROR";
    public const string Deleting = "SANDBOX_DELETING";
    public const string Deleted = "SANDBOX_DELETED";
    public const string Killing = "SANDBOX_KILLING";
    public const string Killed = "SANDBOX_KILLED";
    public const string KillError = "SANDBOX_KILL_ERROR";
    public const string LockAcquiring = "SANDBOX_LOCK_ACQUIRING";
    public const string LockAcquired = "SANDBOX_LOCK_ACQUIRED";
    public const string LockReleaseRequested = "SANDBOX_LOCK_RELEASE_REQUESTED";
    public const string LockRenewalError = "SANDBOX_LOCK_RENEWAL_ERROR";
    public const string LockReleasing = "SANDBOX_LOCK_RELEASING";
    public const string LockReleased = "SANDBOX_LOCK_RELEASED";
    public const string Error = "SANDBOX_ERROR";
}
