namespace Sandbox.Core.Sandboxes;

/// <summary>
/// What a sandbox hears from its own effects and from its runner: the other half of the inputs the
/// decider decides on (the first half is <see cref="SandboxProtocol"/>). Local only, never serialized.
/// </summary>
public static class SandboxSignals
{
    /// <summary>The actor recovered its state from the journal.</summary>
    public sealed record Recovered
    {
        public static readonly Recovered Instance = new();
    }

    /// <summary>A container runs for the sandbox (started, taken from the pool, or restored).</summary>
    public sealed record ContainerStarted(string ContainerKey, bool Restored);
    public sealed record ContainerFailed(string Reason, bool Restore);
    /// <summary>The container's runsc process exited without being asked to; <paramref name="Reason"/> says what runsc said.</summary>
    public sealed record ContainerExited(string Reason);
    public sealed record ContainerDestroyed(string? Error);
    public sealed record LeftoversRemoved;
    /// <summary>An operator's `runsc pause`/`resume` finished.</summary>
    public sealed record FreezeDone(bool Ok, string Reason, ClientRef ReplyTo);

    public sealed record RunnerOutput(uint ExecId, bool Stderr, byte[] Bytes);
    public sealed record RunnerExecFailed(uint ExecId, string Reason);
    public sealed record RunnerExecExited(uint ExecId, int ExitCode);
    public sealed record RunnerSynced(uint SyncId);
    /// <summary>The runner broke its protocol (code in the sandbox forged frames, or it is corrupt): it
    /// can no longer be trusted to answer.</summary>
    public sealed record RunnerViolated(string Reason);
    /// <summary>The runner's stream ended (the container stopped, or a checkpoint froze it).</summary>
    public sealed record RunnerStreamEnded;

    public sealed record CheckpointStored(StoredCheckpoint Stored)
    {
        /// <summary>What the container's network lease counted until the checkpoint (its lease ends with it).</summary>
        public NetworkBytes LeaseBytes { get; init; }
    }
    /// <summary><paramref name="StillRunning"/>: the container runs on (the image was never taken, or
    /// it was restored on the spot, <paramref name="RestoredOnTheSpot"/>); otherwise the container is gone.</summary>
    public sealed record CheckpointFailed(string Reason, bool StillRunning, bool RestoredOnTheSpot);
    /// <summary>The image for forks is stored (or why not).</summary>
    public sealed record ForkImageTaken(StoredCheckpoint? Stored, string? Failure);
    public sealed record SnapshotDone(string Name, string? Error, ClientRef ReplyTo);

    public sealed record ClientGone(ClientRef Client);

    // timers
    public sealed record IdleCheck
    {
        public static readonly IdleCheck Instance = new();
    }

    public sealed record ExecutionTimeLimitReached(uint ExecId);

    /// <summary>The sandbox's TTL may have passed.</summary>
    public sealed record TtlCheck
    {
        public static readonly TtlCheck Instance = new();
    }

    public sealed record QuiesceTimedOut(uint SyncId);

    public static class Timers
    {
        public const string Idle = "idle";
        public const string ExecutionLimit = "execution-limit";
        public const string Quiesce = "checkpoint-sync";
        public const string Ttl = "ttl";
    }
}
