using Sandbox.Core.Calls;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;
using static Sandbox.Core.Sandboxes.SandboxSignals;

namespace Sandbox.Tests.Core;

/// <summary>Sandboxes in every state the decider knows, built by deciding real commands from scratch
/// (so each one is a state the actor can actually be in), and the inputs to throw at them.</summary>
public static class SandboxStates
{
    public const string Id = "sandbox-0123456789abcdef01234567";
    public static readonly string TokenHash = SandboxIdentity.HashToken("token");
    public static readonly ClientRef Session = new("session-1");
    public static readonly ClientRef Other = new("session-2");
    public static readonly ClientRef Operator = new("operator");
    public static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    public static SandboxFacts Facts(DateTimeOffset? now = null, HostRefusal? admission = null, bool networking = false) => new()
    {
        Now = now ?? T0, Node = "node-a", CheckpointStore = true, SnapshotStore = true, Admission = admission, Networking = networking,
    };

    /// <summary>Decides and applies, as the actor does.</summary>
    public static (SandboxState State, Decision Decision) Step(SandboxState s, object input, ClientRef? from = null, SandboxFacts? facts = null)
    {
        var d = SandboxDecider.Decide(s, input, from, facts ?? Facts());
        foreach (var e in d.Events) s = s.Apply(e);
        return (s, d);
    }

    public static SandboxState Run(SandboxState s, params object[] inputs)
    {
        foreach (var i in inputs) s = Step(s, i, Session).State;
        return s;
    }

    /// <summary>What the next incarnation of the actor recovers: the journaled part only (a paused or
    /// ended sandbox's actor has stopped; the one that answers next starts from the journal).</summary>
    public static SandboxState Reincarnated(SandboxState s) => SandboxState.Empty(s.SandboxId) with
    {
        Lifecycle = s.Lifecycle, TokenSha256 = s.TokenSha256, Settings = s.Settings, CreatedAt = s.CreatedAt, Node = s.Node,
        ContainerKey = s.ContainerKey, LatestCheckpoint = s.LatestCheckpoint, ForkImages = s.ForkImages, NetworkBytesBefore = s.NetworkBytesBefore, EndedAt = s.EndedAt, EndedReason = s.EndedReason,
        EndedDetail = s.EndedDetail, History = s.History,
    };

    public static SandboxSettings Settings(bool checkpoint = true, bool handoff = false) =>
        SandboxSettings.Default with { EnableCheckpoint = checkpoint, EnableHandoff = handoff };

    public static SandboxState New => SandboxState.Empty(Id);
    public static SandboxState Starting => Run(New, new CreateSandbox(Id, TokenHash, Settings(), Session));
    public static SandboxState Running => Run(Starting, new ContainerStarted("key-1", false));
    public static SandboxState Detached => Run(Running, new DetachSession(Id, Session));
    public static SandboxState Executing => Run(Running, new ExecuteCode(Id, "bash", "sleep 9", false));
    public static SandboxState Checkpointing => Run(Executing, new CheckpointSandbox(Id));
    public static SandboxState Paused => Reincarnated(Run(Checkpointing, new RunnerSynced(Checkpointing.LastSyncId),
        new CheckpointStored(new StoredCheckpoint("ckpt-1", 10, "abc", 1)), new RunnerStreamEnded()));
    public static SandboxState Restoring => Run(Paused, new AttachSandbox(Id, TokenHash, Session));
    public static SandboxState Ended => Reincarnated(Run(Running, new KillSandbox(Id), new ContainerDestroyed(null)));
    public static SandboxState TearingDown => Run(Running, new KillSandbox(Id));
    public static SandboxState Recovering => Step(Reincarnated(Running), Recovered.Instance).State;
    public static SandboxState Forking => Run(Running, new ForkSandbox(Id, Access.Operator, 2));

    public static IEnumerable<(string Name, SandboxState State)> All() =>
    [
        ("new", New), ("starting", Starting), ("running", Running), ("detached", Detached), ("executing", Executing),
        ("checkpointing", Checkpointing), ("paused", Paused), ("restoring", Restoring), ("tearing down", TearingDown),
        ("ended", Ended), ("recovering", Recovering), ("forking", Forking),
    ];

    /// <summary>Every command a gateway or operator can send.</summary>
    public static IEnumerable<object> Commands() =>
    [
        new CreateSandbox(Id, TokenHash, Settings(), Other), new AttachSandbox(Id, TokenHash, Other),
        new AttachSandbox(Id, SandboxIdentity.HashToken("wrong"), Other), new DetachSession(Id, Session),
        new ExecuteCode(Id, "python", "print(1)", false), new WriteStdin(Id, "x\n"), new KillProcess(Id), new KillSandbox(Id),
        new Reconnect(Id), new CheckpointSandbox(Id), new SnapshotFilesystem(Id, "snap"), new SnapshotFilesystem(Id, "../bad"),
        new OutputAck(Id, 1), new AdminCommand(Id, AdminAction.Suspend), new AdminCommand(Id, AdminAction.Resume),
        new AdminCommand(Id, AdminAction.Delete), new AdminCommand(Id, AdminAction.Checkpoint), new GetSandboxInfo(Id), new StopSandbox(Id),
        new DescribeSandbox(Id, Access.Operator), new DeleteSandbox(Id, Access.Operator), new PauseSandbox(Id, Access.Operator),
        new ResumeSandbox(Id, Access.Operator), new SetSandboxTtl(Id, Access.Operator, 60), new GetSandboxHistory(Id, Access.Operator),
        new ForkSandbox(Id, Access.Operator, 2), new ForkSandbox(Id, Access.Operator, 17),
        new SandboxCalls.StatFile(Id, Access.Operator, "/etc"), new SandboxCalls.EndTransfer(Id, Access.Operator, "upload-1"),
        new SetSandboxNetwork(Id, WithToken, SandboxNetworkPolicy.None), new SetSandboxNetwork(Id, WithToken, SandboxNetworkPolicy.AllowAll),
        new MakeRoom(Id),
    ];

    /// <summary>What an API caller with the sandbox's token presents.</summary>
    public static Access WithToken => new(null, TokenHash, KeysConfigured: false);

    /// <summary>Every signal the sandbox's own effects and runner can send.</summary>
    public static IEnumerable<object> Signals() =>
    [
        Recovered.Instance, new ContainerStarted("key-1", false), new ContainerStarted("key-1", true), new ContainerFailed("boom", false),
        new ContainerFailed("boom", true), new ContainerExited("died"), new ContainerDestroyed(null), new ContainerDestroyed("busy"),
        new LeftoversRemoved(), new FreezeDone(true, "", Operator), new RunnerOutput(1, false, "hi\n"u8.ToArray()),
        new RunnerExecFailed(1, "no"), new RunnerExecExited(1, 0), new RunnerSynced(1), new RunnerStreamEnded(), new RunnerViolated("forged"), new ForkImageTaken(null, "no"),
        new CheckpointStored(new StoredCheckpoint("ckpt-2", 5, "def", 2)), new CheckpointFailed("full", true, false),
        new CheckpointFailed("gone", false, false), new SnapshotDone("snap", null, Session), new ClientGone(Session),
        IdleCheck.Instance, new ExecutionTimeLimitReached(1), new QuiesceTimedOut(1),
    ];
}
