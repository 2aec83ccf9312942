using System.Collections.Immutable;
using Sandbox.Core.Execution;
using static Sandbox.Core.Sandboxes.SandboxEvents;

namespace Sandbox.Core.Sandboxes;

/// <summary>
/// Everything a sandbox knows about itself. Pure: changed only by <see cref="Apply"/>, which handles
/// every event and refuses an unknown one. The journaled part (lifecycle, token, settings, node,
/// container, checkpoint, end, history) is rebuilt on recovery; the rest describes what this
/// incarnation of the actor is doing and starts empty.
/// </summary>
public sealed record SandboxState
{
    /// <summary>At most this many history entries are kept (the oldest go first).</summary>
    public const int HistoryLimit = 200;

    public required string SandboxId { get; init; }
    public SandboxLifecycle Lifecycle { get; init; } = SandboxLifecycle.New;
    public string? TokenSha256 { get; init; }
    public SandboxSettings Settings { get; init; } = SandboxSettings.Default;
    public DateTimeOffset? CreatedAt { get; init; }
    /// <summary>The node whose container runs (or last ran) it.</summary>
    public string? Node { get; init; }
    /// <summary>Names its container, bundle and runsc state: the sandbox id, or the warm-pool key it started with.</summary>
    public string? ContainerKey { get; init; }
    public CheckpointRef? LatestCheckpoint { get; init; }
    /// <summary>Images it took for its forks: theirs to start from (and to fall back on until they
    /// checkpoint themselves), kept in the store as long as this sandbox lives.</summary>
    public ImmutableList<string> ForkImages { get; init; } = ImmutableList<string>.Empty;
    /// <summary>Bytes it sent and received in its runs before the current one (up to its latest checkpoint).</summary>
    public NetworkBytes NetworkBytesBefore { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public EndedReason? EndedReason { get; init; }
    public string? EndedDetail { get; init; }
    public ImmutableList<HistoryEntry> History { get; init; } = ImmutableList<HistoryEntry>.Empty;
    /// <summary>The fingerprint of the API key that created it; null without API keys.</summary>
    public string? Owner { get; init; }
    /// <summary>When its TTL ends it (moved on by the time spent paused unless paused time counts).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>Since when it has been paused.</summary>
    public DateTimeOffset? PausedAt { get; init; }
    /// <summary>How many journaled events made this state (orders the summaries written to the catalog).</summary>
    public long JournalVersion { get; init; }

    // ---- this incarnation (never journaled) ---------------------------------------------------------

    public SandboxPhase Phase { get; init; } = SandboxPhase.Idle;
    /// <summary>The client session attached to it (at most one, as in the reference).</summary>
    public ClientRef? Session { get; init; }
    /// <summary>Whoever waits for the first container (told if the journal fails the create).</summary>
    public ClientRef? Creator { get; init; }
    /// <summary>The session a restore in progress is for.</summary>
    public ClientRef? RestoringFor { get; init; }
    /// <summary>The API caller a restore in progress answers (a resume, or a call that needed the container).</summary>
    public ClientRef? ResumeReplyTo { get; init; }
    /// <summary>An image for forks is being taken (checkpoints and more forks wait for it).</summary>
    public bool ForkInFlight { get; init; }
    public ClientRef? ForkReplyTo { get; init; }
    public int ForkCount { get; init; }
    /// <summary>Calls (files, processes) that wait for the restore in progress; performed or refused with it.</summary>
    public IReadOnlyList<PendingCall> AwaitingRestore { get; init; } = [];
    /// <summary>The reference protocol's one foreground execution: the current (or last, undelivered) one.</summary>
    public ExecutionLog? Foreground { get; init; }
    public uint NextExecId { get; init; }
    /// <summary>The last execution was killed: stdin has nowhere to go.</summary>
    public bool LastExecKilled { get; init; }
    public DateTimeOffset LastActivity { get; init; }
    public CheckpointInFlight? Checkpoint { get; init; }
    /// <summary>A filesystem snapshot waiting for its sync (<see cref="SnapshotSyncId"/>) or being written.</summary>
    public string? SnapshotName { get; init; }
    public uint? SnapshotSyncId { get; init; }
    public ClientRef? SnapshotReplyTo { get; init; }
    /// <summary>The last sync request number given to the runner.</summary>
    public uint LastSyncId { get; init; }
    public TeardownPlan? Teardown { get; init; }
    public bool Passivating { get; init; }

    public static SandboxState Empty(string sandboxId) => new() { SandboxId = sandboxId };

    /// <summary>The container key in use: the recorded one, else the sandbox id.</summary>
    public string EffectiveContainerKey => ContainerKey ?? SandboxId;

    /// <summary>A container runs and no operation has taken it away.</summary>
    public bool HasContainer => Lifecycle == SandboxLifecycle.Running && Phase is SandboxPhase.Idle or SandboxPhase.Checkpointing;

    public bool ExecutionRunning => Foreground is { Finished: false };

    /// <summary>
    /// Its host may pause it to free memory for another sandbox: it runs with nothing in flight, has
    /// checkpoints, and nobody is attached or waiting on a foreground execution (a reference client
    /// would lose its session; API processes survive the pause and resume with it).
    /// </summary>
    public bool MayMakeRoom(bool checkpointStore) =>
        checkpointStore && Settings.EnableCheckpoint && Lifecycle == SandboxLifecycle.Running && Phase == SandboxPhase.Idle &&
        Session is null && !ExecutionRunning && !ForkInFlight && SnapshotName is null && !Passivating;

    public bool TokenMatches(string tokenSha256) => SandboxIdentity.HashesMatch(TokenSha256, tokenSha256);

    public SandboxState Apply(ISandboxEvent e) => e is IJournaledEvent
        ? ApplyOne(e) with { JournalVersion = JournalVersion + 1 }
        : ApplyOne(e);

    private SandboxState ApplyOne(ISandboxEvent e) => e switch
    {
        Created c => Record(this with
        {
            Lifecycle = SandboxLifecycle.Starting, TokenSha256 = c.TokenSha256, Settings = c.Settings, CreatedAt = c.At, Owner = c.Owner,
            ExpiresAt = c.Settings.TtlSeconds is { } ttl ? c.At.AddSeconds(ttl) : null,
            // until it takes a checkpoint of its own, a fork falls back on the image it started from
            LatestCheckpoint = c.Settings.Fork is { } fork ? fork.Image with { Shared = true, Execution = null } : LatestCheckpoint,
        }, c.At, c.Settings.Fork is null ? "created" : "forked_from", CreatedDetail(c)),
        Forked f => Record(this with { ForkImages = f.ImageKey is { } image ? ForkImages.Add(image) : ForkImages },
            f.At, "forked", $"into {f.Count} sandbox{(f.Count == 1 ? "" : "es")}"),
        ForkBegan b => this with { ForkInFlight = true, ForkReplyTo = b.ReplyTo, ForkCount = b.Count },
        ForkEnded => this with { ForkInFlight = false, ForkReplyTo = null },
        Started s => Record(this with
        {
            Lifecycle = SandboxLifecycle.Running, Node = s.Node, ContainerKey = s.ContainerKey ?? ContainerKey, Phase = SandboxPhase.Idle,
            Creator = null,
        }, s.At, "started", $"on {s.Node}"),
        CheckpointTaken c => Record(this with
        {
            Lifecycle = SandboxLifecycle.Paused, Node = null, Phase = SandboxPhase.Idle, Checkpoint = null, Session = null,
            Foreground = null,
            LatestCheckpoint = new CheckpointRef(c.Key, c.Size, c.Sha256, c.Generation, c.Execution), PausedAt = c.At,
            NetworkBytesBefore = c.NetworkTotal,
        }, c.At, "paused", PauseDetail(c)),
        Restored r => Record(this with
        {
            Lifecycle = SandboxLifecycle.Running, Node = r.Node, Phase = SandboxPhase.Idle, RestoringFor = null, ResumeReplyTo = null,
            AwaitingRestore = [],
            // the TTL's clock stood still while it was paused, unless paused time counts
            ExpiresAt = ExpiresAt is { } exp && PausedAt is { } since && !Settings.TtlCountsPaused ? exp + (r.At - since) : ExpiresAt,
            PausedAt = null,
            Foreground = LatestCheckpoint?.Execution is { } x ? ExecutionLog.Resume(x) with { Held = true } : null,
            NextExecId = LatestCheckpoint?.Execution?.NextExecId ?? NextExecId,
            LastExecKilled = LatestCheckpoint?.Execution?.LastExecKilled ?? false,
        }, r.At, r.ByApi ? "resumed" : "restored", $"on {r.Node}"),
        NetworkPolicyChanged n => Record(this with { Settings = Settings with { Network = n.Policy } }, n.At, "network_policy_changed", n.Policy.Describe()),
        TtlChanged t => Record(this with { ExpiresAt = t.ExpiresAt }, t.At, "ttl_changed", t.ExpiresAt is { } x ? $"expires at {x:O}" : "no TTL"),
        ContainerLost l => Record(this with
        {
            Lifecycle = SandboxLifecycle.Paused, Node = null, Phase = SandboxPhase.Idle, PausedAt = l.At,
            Session = null, Checkpoint = null, Foreground = null,
        }, l.At, "container_lost", l.Detail),
        Ended x => Record(this with
        {
            Lifecycle = SandboxLifecycle.Ended, Node = null, LatestCheckpoint = null, EndedAt = x.At, EndedReason = x.Reason,
            EndedDetail = x.Detail, Checkpoint = null, Creator = null, Phase = SandboxPhase.Idle, Session = null, Foreground = null,
            RestoringFor = null, AwaitingRestore = [],
        }, x.At, "ended", $"{x.Reason.ToApiName()}{(x.Detail.Length > 0 ? ": " + x.Detail : "")}"),
        DeletedV1 d => Apply(new Ended(Sandboxes.EndedReason.Killed, d.Reason, d.At)),

        CreateAccepted a => this with { Phase = SandboxPhase.Starting, Creator = a.Creator },
        RecoveryBegan => this with { Phase = SandboxPhase.Recovering },
        RestoreBegan r => this with { Phase = SandboxPhase.Restoring, RestoringFor = r.Session, ResumeReplyTo = r.ReplyTo },
        RestoreFailed => this with { Phase = SandboxPhase.Idle, RestoringFor = null, ResumeReplyTo = null, AwaitingRestore = [] },
        CallAwaitsRestore c => this with { AwaitingRestore = [.. AwaitingRestore, c.Call] },
        Forgotten => Empty(SandboxId),
        SessionAttached a => this with { Session = a.Session },
        SessionDetached => this with { Session = null },
        ForegroundChanged f => this with { Foreground = f.Log, NextExecId = f.NextExecId, LastExecKilled = f.LastExecKilled },
        Touched t => this with { LastActivity = t.At },
        CheckpointBegan b => this with { Phase = SandboxPhase.Checkpointing, Checkpoint = b.Checkpoint, LastSyncId = b.Checkpoint.SyncId },
        CheckpointProgressed p => this with { Checkpoint = p.Checkpoint },
        CheckpointAbandoned => this with { Phase = SandboxPhase.Idle, Checkpoint = null },
        SnapshotBegan s => this with { SnapshotName = s.Name, SnapshotSyncId = s.SyncId, SnapshotReplyTo = s.ReplyTo, LastSyncId = s.SyncId },
        SnapshotSynced => this with { SnapshotSyncId = null },
        SnapshotFinished => this with { SnapshotName = null, SnapshotSyncId = null, SnapshotReplyTo = null },
        TeardownBegan t => this with { Phase = SandboxPhase.TearingDown, Teardown = t.Plan, Session = null, Foreground = null },
        TeardownFinished => this with { Phase = SandboxPhase.Idle, Teardown = null },
        PassivationRequested => this with { Passivating = true },
        _ => throw new ArgumentException($"{nameof(SandboxState)} cannot apply {e.GetType().Name}: every event needs a case here", nameof(e)),
    };

    private static string PauseDetail(CheckpointTaken c) => c.Kind switch
    {
        CheckpointKind.Client => $"checkpointed by its client ({c.Size} bytes)",
        CheckpointKind.Idle => $"idle ({c.Size} bytes)",
        CheckpointKind.Shutdown => $"its node was shutting down ({c.Size} bytes)",
        CheckpointKind.Pause => $"on request ({c.Size} bytes)",
        CheckpointKind.MakeRoom => $"its host needed the memory for other sandboxes ({c.Size} bytes)",
        _ => $"{c.Size} bytes",
    };

    private static SandboxState Record(SandboxState s, DateTimeOffset at, string type, string detail)
    {
        var history = s.History.Add(new HistoryEntry(at, type, detail));
        if (history.Count > HistoryLimit) history = history.RemoveRange(0, history.Count - HistoryLimit);
        return s with { History = history };
    }

    /// <summary>The lifecycle as clients and operators name it.</summary>
    public string StateName => Lifecycle switch
    {
        SandboxLifecycle.New => "not_found",
        SandboxLifecycle.Starting => "starting",
        SandboxLifecycle.Running => "running",
        SandboxLifecycle.Paused => "paused",
        _ => "ended",
    };

    private static string CreatedDetail(Created c)
    {
        var labels = c.Settings.Labels.Count > 0 ? "labels " + string.Join(",", c.Settings.Labels.Select(l => $"{l.Key}={l.Value}")) : "";
        return c.Settings.Fork is { } fork ? $"{fork.SourceId}{(labels.Length > 0 ? "; " + labels : "")}" : labels;
    }
}
