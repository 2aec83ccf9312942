namespace Sandbox.Client.Reference;

/// <summary>The status strings of PROTOCOL.md §3 this client acts on.</summary>
public static class SessionStatus
{
    public const string Creating = "SANDBOX_CREATING";
    public const string Running = "SANDBOX_RUNNING";
    public const string Restoring = "SANDBOX_RESTORING";
    public const string NotFound = "SANDBOX_NOT_FOUND";
    public const string InUse = "SANDBOX_IN_USE";
    public const string ExecutionRunning = "SANDBOX_EXECUTION_RUNNING";
    public const string ExecutionDone = "SANDBOX_EXECUTION_DONE";
    public const string ExecutionForceKilled = "SANDBOX_EXECUTION_FORCE_KILLED";
    public const string ExecutionInProgressError = "SANDBOX_EXECUTION_IN_PROGRESS_ERROR";
    public const string Checkpointed = "SANDBOX_CHECKPOINTED";
    public const string CheckpointError = "SANDBOX_CHECKPOINT_ERROR";
    public const string SnapshotCreated = "SANDBOX_FILESYSTEM_SNAPSHOT_CREATED";
    public const string SnapshotError = "SANDBOX_FILESYSTEM_SNAPSHOT_ERROR";
    public const string Killed = "SANDBOX_KILLED";
    public const string KillError = "SANDBOX_KILL_ERROR";
    public const string Deleted = "SANDBOX_DELETED";

    /// <summary>Statuses after which the reference clients stop reconnecting (PROTOCOL.md §3, fatal set).</summary>
    public static readonly IReadOnlySet<string> Fatal = new HashSet<string>
    {
        "SANDBOX_ERROR", NotFound, "SANDBOX_CREATION_ERROR", CheckpointError, "SANDBOX_RESTORE_ERROR", Deleted,
        "SANDBOX_LOCK_RENEWAL_ERROR", "SANDBOX_PERMISSION_DENIAL_ERROR",
    };

    /// <summary>Statuses that belong to the current execution (the clients' routing rule).</summary>
    public static bool IsExecution(string s) => s.StartsWith("SANDBOX_EXECUTION_", StringComparison.Ordinal) && s != ExecutionInProgressError;
}
