using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Telemetry;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxSignals;

namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// One sandbox: a persistent actor behind cluster sharding that owns its gVisor container. It only
/// recovers, decides (<see cref="SandboxDecider"/>), persists the journaled events, applies them,
/// and runs the decision's effects (<see cref="SandboxEffects"/>); everything slow ends with a named
/// message piped back to itself. Every client-visible event goes to the attached session from
/// here, so their order is the order of this mailbox.
/// </summary>
public sealed class SandboxActor : ReceivePersistentActor, IWithTimers
{
    public static Props PropsFor(string sandboxId, SandboxHostContext host) =>
        Props.Create(() => new SandboxActor(sandboxId, host));

    private readonly SandboxHostContext _host;
    private readonly SandboxEffects _effects;
    private SandboxState _state;
    /// <summary>Whoever waits for a create whose events are being persisted (told if the journal fails it).</summary>
    private ClientRef? _persistingCreateFor;
    /// <summary>The API caller whose command's events are being persisted (told if the journal refuses them).</summary>
    private IActorRef? _persistingApiCaller;

    public ITimerScheduler Timers { get; set; } = null!;
    public override string PersistenceId { get; }

    public SandboxActor(string sandboxId, SandboxHostContext host)
    {
        _host = host;
        _state = SandboxState.Empty(sandboxId);
        PersistenceId = "sandbox-" + sandboxId;
        _effects = new SandboxEffects(sandboxId, host, Context, Self, () => Timers, () => Stash, () => _state)
        {
            DeleteJournal = () => DeleteMessages(LastSequenceNr),
        };

        Recover<IJournaledEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => Decide(Recovered.Instance, from: null));

        // the runner's events, in its order
        Command<RunnerEvents.Received>(m => { if (_effects.Translate(m) is { } signal) Decide(signal, from: null); });
        Command<RunnerEvents.Completed>(c => { if (_effects.IsCurrentStream(c.Container)) Decide(new RunnerStreamEnded(), from: null); });
        Command<RunnerEvents.Violated>(v => { if (_effects.IsCurrent(v.Container)) Decide(new RunnerViolated(v.Reason), from: null); });
        Command<SandboxEffects.ExecutionNeverStarted>(m => Decide(_effects.Adopt(m), from: null));
        Command<SandboxEffects.ContainerReady>(m => Decide(_effects.Adopt(m), from: null));
        Command<SandboxEffects.CheckpointDone>(m => Decide(_effects.Adopt(m), from: null));
        Command<SandboxEffects.ContainerExitedUnasked>(m =>
        {
            if (_effects.IsCurrent(m.Container)) Decide(new ContainerExited(m.Container.DescribeUnexpectedExit(m.ExitCode)), from: null);
        });
        Command<Terminated>(t => Decide(new ClientGone(new ClientRef(t.ActorRef)), from: null));
        Command<object>(m => Decide(m, ClientOf(Sender)));
    }

    /// <summary>Decide, persist what the journal must hold, apply, then run the effects in order.</summary>
    private void Decide(object input, ClientRef? from)
    {
        var decision = SandboxDecider.Decide(_state, input, from, Facts(input));
        if (decision.Events.Count == 0)
        {
            _effects.Run(decision.Effects, input, Sender);
            return;
        }
        var journaled = decision.Events.OfType<IJournaledEvent>().ToList();
        if (journaled.Count == 0 || IsOneShot(decision))
        {
            // A one-shot sandbox (HTTP /execute) is never recovered or restored, so its events are
            // applied without a journal write: that keeps the journal's latency off the one-shot path,
            // and a crash still loses nothing (the node's container registry sweeps its container).
            Apply(decision, input);
            return;
        }
        var sender = Sender;
        _persistingCreateFor = decision.Events.OfType<SandboxEvents.CreateAccepted>().FirstOrDefault()?.Creator;
        _persistingApiCaller = input is IApiCommand ? sender : null;
        var written = 0;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        PersistAll(journaled, _ =>
        {
            if (++written < journaled.Count) return;
            SandboxMetrics.JournalWritten(started);
            _persistingCreateFor = null;
            _persistingApiCaller = null;
            Apply(decision, input, sender);
        });
    }

    private void Apply(Decision decision, object input, IActorRef? sender = null)
    {
        foreach (var e in decision.Events) _state = _state.Apply(e);
        _effects.Run(decision.Effects, input, sender ?? Sender);
        // the host's books: whether it may pause this sandbox to make room, and since when it is idle
        _host.Capacity.Report(_state.SandboxId, _state.MayMakeRoom(_host.Checkpoints is not null) ? _state.LastActivity : null);
    }

    private bool IsOneShot(Decision d) =>
        _state.Settings.DeleteOnDetach || d.Events.OfType<SandboxEvents.Created>().Any(c => c.Settings.DeleteOnDetach);

    private SandboxFacts Facts(object input) => FactsWith(input is SandboxProtocol.CreateSandbox && _state.Lifecycle == SandboxLifecycle.New && !_state.Passivating
        ? _host.Capacity.TryAdmitNew(_state.SandboxId)
        : null);

    private SandboxFacts FactsWith(Hosts.HostAdmission? admission) => new()
    {
        Now = DateTimeOffset.UtcNow,
        Node = _host.NodeName,
        CheckpointStore = _host.Checkpoints is not null,
        SnapshotStore = _host.Snapshots is not null,
        ReadonlyFilesystem = _host.Runsc.Options.ReadonlyFilesystem,
        Networking = _host.Networks is not null,
        NodeShuttingDown = CoordinatedShutdown.Get(Context.System).ShutdownReason is not null,
        // Only a create of a sandbox that does not exist yet takes a slot.
        Admission = admission?.Refused is { } r ? new HostRefusal(r.Reason, r.Busy) : null,
        MakeRoomBy = admission?.MakeRoomBy,
        Limits = _host.Options.Limits,
    };

    private static ClientRef? ClientOf(IActorRef sender) =>
        sender.IsNobody() || sender is DeadLetterActorRef ? null : new ClientRef(sender);

    /// <summary>
    /// The journal refused or failed a write; Akka stops the actor next (and PostStop removes any
    /// container). A client waiting for its sandbox hears why instead of waiting for nothing.
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Context.GetLogger().Error(cause, "Sandbox {0}: the journal failed to store {1}", _state.SandboxId, @event.GetType().Name);
        TellCreatorJournalFailed($"the journal is unavailable ({cause.GetBaseException().Message})");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        TellCreatorJournalFailed($"the journal rejected the sandbox ({cause.GetBaseException().Message})");
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    private void TellCreatorJournalFailed(string why)
    {
        _persistingApiCaller?.Tell(new SandboxProtocol.ApiRefused(SandboxProtocol.ApiRefusal.Failed, $"The sandbox could not record the change: {why}. Nothing changed; try again."), Self);
        _persistingApiCaller = null;
        if (_persistingCreateFor?.Handle is IActorRef creator)
            creator.Tell(new SandboxProtocol.SandboxRejected(SandboxStatus.CreationError, $"Failed to create gVisor container: {why}", CloseCodes.ApplicationError), Self);
        _persistingCreateFor = null;
    }

    protected override void PostStop()
    {
        // Last line of defence: a stopped actor never leaves its container behind.
        _effects.DestroyOnStop();
        _host.Capacity.Release(_state.SandboxId);
        if (_state.Checkpoint?.Operator?.Handle is IActorRef op)
            op.Tell(new SandboxProtocol.AdminResult(SandboxProtocol.AdminOutcome.Failed, $"sandbox {_state.SandboxId} stopped before its checkpoint completed"));
        base.PostStop();
    }
}
