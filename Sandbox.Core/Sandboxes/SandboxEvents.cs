using Sandbox.Core.Execution;

namespace Sandbox.Core.Sandboxes;

public static class SandboxEvents
{
    // ---- journaled -------------------------------------------------------------------------------

    /// <remarks><see cref="Owner"/> (the creating API key's fingerprint) was added later; absent means no owner.</remarks>
    public sealed record Created(string SandboxId, string TokenSha256, SandboxSettings Settings, DateTimeOffset At) : IJournaledEvent
    {
        public string? Owner { get; init; }
    }

    /// <remarks><paramref name="ContainerKey"/> was added later as an optional field (absent in older
    /// journals means the sandbox id), so the manifest stayed v1.</remarks>
    public sealed record Started(string Node, DateTimeOffset At, string? ContainerKey = null) : IJournaledEvent;

    /// <summary>A complete checkpoint (memory image and writable layer, one archive) was committed to
    /// the store; the container is gone and the sandbox is paused on it.</summary>
    public sealed record CheckpointTaken(string Key, long Size, string Sha256, long Generation, DateTimeOffset At,
        ExecutionCarryOver? Execution = null) : IJournaledEvent
    {
        /// <summary>Why it was taken (added later; absent in older journals): client, idle, shutdown, pause.</summary>
        public CheckpointKind? Kind { get; init; }
        /// <summary>Every byte it sent and received beyond its node up to this checkpoint, over all its runs
        /// (each run's network lease counts from zero).</summary>
        public NetworkBytes NetworkTotal { get; init; }
    }

    /// <summary>The sandbox was restored from its latest checkpoint on <paramref name="Node"/>.</summary>
    public sealed record Restored(string Node, DateTimeOffset At) : IJournaledEvent
    {
        /// <summary>What woke it (added later): a reference attach, or an API call (resume, or a call that needed it).</summary>
        public bool ByApi { get; init; }
    }

    /// <summary>The sandbox's lifetime now ends at <paramref name="ExpiresAt"/> (null: no TTL any more).</summary>
    public sealed record TtlChanged(DateTimeOffset? ExpiresAt, DateTimeOffset At) : IJournaledEvent;

    /// <summary>The sandbox's egress policy is now <paramref name="Policy"/> (PUT …/network); it holds for
    /// every container it runs in from now on, on any node.</summary>
    public sealed record NetworkPolicyChanged(SandboxNetworkPolicy Policy, DateTimeOffset At) : IJournaledEvent;

    /// <summary>Its container is gone without a checkpoint of this run (its host died, or a checkpoint
    /// failed past recovery): the sandbox falls back to its latest checkpoint and is paused on it.</summary>
    public sealed record ContainerLost(string Detail, DateTimeOffset At) : IJournaledEvent;

    public sealed record Ended(EndedReason Reason, string Detail, DateTimeOffset At) : IJournaledEvent;

    /// <summary>How older journals recorded the end (a free-text reason); read as <see cref="Ended"/>.</summary>
    public sealed record DeletedV1(string Reason, DateTimeOffset At) : IJournaledEvent;

    // ---- transient -----------------------------------------------------------------------------

    /// <summary>A create was admitted: the first container starts for <paramref name="Creator"/>.</summary>
    public sealed record CreateAccepted(ClientRef Creator) : ITransientEvent;

    /// <summary>Recovered as running with no container here: leftovers are being removed.</summary>
    public sealed record RecoveryBegan : ITransientEvent;

    /// <summary>A restore from the latest checkpoint began, for <paramref name="Session"/> if a client attached,
    /// answering <paramref name="ReplyTo"/> if an API call resumes it.</summary>
    public sealed record RestoreBegan(ClientRef? Session, ClientRef? ReplyTo = null) : ITransientEvent;

    /// <summary>The restore failed; the sandbox stays paused on its checkpoint.</summary>
    public sealed record RestoreFailed : ITransientEvent;

    public sealed record SessionAttached(ClientRef Session) : ITransientEvent;

    public sealed record SessionDetached : ITransientEvent;

    /// <summary>The foreground execution's log changed (started, output, a status, acks, delivery).</summary>
    public sealed record ForegroundChanged(ExecutionLog? Log, uint NextExecId, bool LastExecKilled) : ITransientEvent;

    public sealed record Touched(DateTimeOffset At) : ITransientEvent;

    /// <summary>Images were taken for <paramref name="Count"/> forks (the forks' history names the source).</summary>
    public sealed record Forked(int Count, DateTimeOffset At) : IJournaledEvent
    {
        /// <summary>The image taken for the forks of a running source (it is deleted when the source ends);
        /// null for a paused source, whose forks start from its checkpoint.</summary>
        public string? ImageKey { get; init; }
    }

    public sealed record ForkBegan(ClientRef? ReplyTo, int Count) : ITransientEvent;

    public sealed record ForkEnded : ITransientEvent;

    /// <summary>A call needs the container of a sandbox being restored: it is performed (or refused) with the restore.</summary>
    public sealed record CallAwaitsRestore(PendingCall Call) : ITransientEvent;

    public sealed record CheckpointBegan(CheckpointInFlight Checkpoint) : ITransientEvent;

    public sealed record CheckpointProgressed(CheckpointInFlight Checkpoint) : ITransientEvent;

    /// <summary>The checkpoint failed and the container runs on (the runner resumed, or was restored on the spot).</summary>
    public sealed record CheckpointAbandoned : ITransientEvent;

    public sealed record SnapshotBegan(uint SyncId, string Name, ClientRef ReplyTo) : ITransientEvent;

    public sealed record SnapshotSynced : ITransientEvent;

    public sealed record SnapshotFinished : ITransientEvent;

    /// <summary>The end is recorded; the container is being removed, then the actor stops.</summary>
    public sealed record TeardownBegan(TeardownPlan Plan) : ITransientEvent;

    public sealed record TeardownFinished : ITransientEvent;

    /// <summary>An ended sandbox past its retention: its journal entries are gone and it is unknown again.</summary>
    public sealed record Forgotten : ITransientEvent;

    /// <summary>The actor asked its shard to stop it: messages that still arrive go back through the region.</summary>
    public sealed record PassivationRequested : ITransientEvent;
}
