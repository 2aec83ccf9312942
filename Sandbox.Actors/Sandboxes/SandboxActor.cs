using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Akka.Streams;
using Akka.Streams.Dsl;
using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Storage;
using Sandbox.Actors.Telemetry;
using static Sandbox.Actors.Sandboxes.SandboxProtocol;

namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// One sandbox: a persistent actor (behind cluster sharding) that owns its gVisor container, its
/// idle timer and the stream of its current execution. Decisions follow decide → persist → apply →
/// reply; slow work (runsc) runs as tasks piped back to the actor while it stashes commands.
/// Every client-visible event goes to the attached session from here, so their order is the order
/// of this mailbox.
/// </summary>
public sealed class SandboxActor : ReceivePersistentActor, IWithTimers
{
    public static Props PropsFor(string sandboxId, SandboxHostContext host) =>
        Props.Create(() => new SandboxActor(sandboxId, host));

    private readonly string _sandboxId;
    private readonly SandboxHostContext _host;
    private readonly ILoggingAdapter _log;
    private SandboxState _state;

    private SandboxContainer? _container;
    private IActorRef? _session;
    /// <summary>After an attach, live execution events wait in the log until the client says
    /// <c>reconnect</c> (then they are replayed after a fresh RUNNING) or starts something new.</summary>
    private bool _awaitingReconnect;
    private ExecutionStream? _exec;
    private bool _lastExecKilled;
    private uint _nextExecId;
    private long _seq;
    /// <summary>The runner's id of the current execution's process, once its start is known
    /// (stdin and a kill that come earlier wait in <see cref="_beforeStart"/>).</summary>
    private uint? _execProcess;
    private readonly List<Action<uint>> _beforeStart = [];
    private DateTime _lastActivity = DateTime.UtcNow;
    private bool _tearingDown;
    private bool _snapshotInProgress;
    /// <summary>The session waiting for this sandbox's creation, told if the journal fails it.</summary>
    private IActorRef? _creatingFor;
    /// <summary>The last execution event handed to the current session.</summary>
    private long _emittedUpTo;
    private uint _syncSeq;
    /// <summary>We asked the shard to stop us; its StopSandbox is on the way.</summary>
    private bool _passivating;
    /// <summary>An operator who asked for a checkpoint (sandboxctl) and waits for its outcome.</summary>
    private IActorRef? _operatorCheckpoint;
    /// <summary>What to do when the runner confirms a filesystem sync with that id.</summary>
    private readonly Dictionary<uint, Action> _afterSync = new();

    public ITimerScheduler Timers { get; set; } = null!;
    public override string PersistenceId { get; }

    public SandboxActor(string sandboxId, SandboxHostContext host)
    {
        _sandboxId = sandboxId;
        _host = host;
        _log = Context.GetLogger();
        _state = SandboxState.Empty(sandboxId);
        PersistenceId = "sandbox-" + sandboxId;

        Recover<ISandboxEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());
        Command<object>(_ => Stash.Stash());
    }

    private void OnRecovered()
    {
        switch (_state.Lifecycle)
        {
            case SandboxLifecycle.New:
                Become(Fresh);
                break;
            case SandboxLifecycle.Created or SandboxLifecycle.Running:
                // The journal says a container ran, but this incarnation has none: its node died or the
                // actor restarted. Make sure no copy is left on this node; then the sandbox falls back to
                // its last complete checkpoint, or is lost.
                _log.Warning("Sandbox {0} was running on {1} and its container is gone", _sandboxId, _state.Node ?? "?");
                SandboxContainer.DestroyLeftoversAsync(_host.Runsc, ContainerKey).ContinueWith(_ => new LeftoversRemoved()).PipeTo(Self);
                Become(() =>
                {
                    Command<LeftoversRemoved>(_ => SettleWithoutContainer("lost", passivate: false));
                    Command<object>(_ => Stash.Stash());
                });
                return;
            case SandboxLifecycle.Checkpointed:
                Become(Checkpointed);
                break;
            default:
                Become(Gone);
                break;
        }
        Stash.UnstashAll();
    }

    // ---- behaviour: no sandbox yet -------------------------------------------------------------

    private void Fresh()
    {
        RerouteWhilePassivating();
        Command<CreateSandbox>(c =>
        {
            // Admission first: a full or draining host creates nothing, and the gateway places the
            // sandbox on another host under a new id.
            if (_host.Capacity.TryAdmitNew(_sandboxId) is { } refusal)
            {
                _log.Info("Sandbox {0} refused on {1}: {2}", _sandboxId, _host.NodeName, refusal.Reason);
                c.Session.Tell(new HostRefusedCreate(_sandboxId, _host.NodeName, refusal.Reason, refusal.Busy));
                Passivate();
                return;
            }
            _creatingFor = c.Session;
            SandboxMetrics.Begin(SandboxMetrics.Operation.Create, _sandboxId);
            Record(new SandboxCreated(c.SandboxId, c.TokenSha256, c.Settings, DateTimeOffset.UtcNow), e =>
            {
                _state = _state.Apply(e);
                // A warm container is identical to a new one unless the sandbox starts from a snapshot.
                if (c.Settings.FilesystemSnapshotName is null && _host.Pool?.TryTake() is { } warm)
                {
                    _log.Info("Creating sandbox {0} from the warm pool ({1})", _sandboxId, warm.ContainerKey);
                    Self.Tell(new ContainerStarted(warm));
                }
                else
                {
                    _log.Info("Creating sandbox {0}", _sandboxId);
                    SandboxContainer.StartAsync(_host.Runsc, _sandboxId, _host.Options.StartTimeout, CancellationToken.None, SnapshotSeed(c.Settings.FilesystemSnapshotName))
                        .PipeTo(Self, success: ct => new ContainerStarted(ct), failure: ex => new ContainerFailed(ex.GetBaseException().Message));
                }
                Become(() => Starting(c.Session));
            });
        });
        CommonWhenAbsent();
    }

    private void Starting(IActorRef session)
    {
        Command<ContainerStarted>(m =>
        {
            SandboxMetrics.End(SandboxMetrics.Operation.Create, _sandboxId);
            _container = m.Container;
            Record(new SandboxStarted(_host.NodeName, DateTimeOffset.UtcNow, m.Container.ContainerKey), e =>
            {
                _state = _state.Apply(e);
                GoLive(session, restored: false);
            });
        });
        Command<ContainerFailed>(m =>
        {
            _log.Warning("Sandbox {0} failed to start: {1}", _sandboxId, m.Reason);
            SandboxMetrics.Fail(SandboxMetrics.Operation.Create, _sandboxId, SandboxStatus.CreationError);
            _creatingFor = null;
            session.Tell(new SandboxRejected(SandboxStatus.CreationError, $"Failed to create gVisor container: {m.Reason}", CloseCodes.ApplicationError));
            SettleWithoutContainer("creation failed", passivate: true);
        });
        Command<object>(_ => Stash.Stash());
    }

    /// <summary>Checkpointed: no container; the next valid attach restores it here (§9.6).</summary>
    private void Checkpointed()
    {
        _host.Capacity.Release(_sandboxId);
        RerouteWhilePassivating();
        Command<AttachSandbox>(a =>
        {
            // The token is checked before anything is restored (the reference restored first, §14).
            if (!_state.TokenMatches(a.TokenSha256))
            {
                a.Session.Tell(new SandboxRejected(SandboxStatus.PermissionDenialError, "Invalid sandbox token.", CloseCodes.ApplicationError));
                return;
            }
            a.Session.Tell(new StatusEvent(SandboxStatus.Restoring));
            if (_host.Checkpoints is not { } store)
            {
                a.Session.Tell(new SandboxRejected(SandboxStatus.RestoreError,
                    $"Failed to restore sandbox {_sandboxId}: checkpointing is not enabled on this server.", CloseCodes.ApplicationError));
                return;
            }
            _log.Info("Restoring sandbox {0} from {1}", _sandboxId, _state.LatestCheckpoint!.Key);
            _host.Capacity.AdmitRestore(_sandboxId);
            SandboxMetrics.Begin(SandboxMetrics.Operation.Restore, _sandboxId);
            RestoreFromCheckpointAsync(store, _state.LatestCheckpoint!)
                .PipeTo(Self, success: c => new ContainerStarted(c), failure: ex => new ContainerFailed(ex.GetBaseException().Message));
            Become(() => Restoring(a.Session));
        });
        Command<AdminCommand>(c =>
        {
            if (c.Action != AdminAction.Delete)
            {
                Sender.Tell(new AdminResult(false, $"sandbox {_sandboxId} is checkpointed, not running"));
                return;
            }
            Sender.Tell(new AdminResult(true, ""));
            Delete("deleted by operator", [], [], null, stopAfter: true);
        });
        Command<CreateSandbox>(c => c.Session.Tell(new SandboxRejected(SandboxStatus.CreationError,
            $"Failed to create gVisor container: sandbox {c.SandboxId} already existed", CloseCodes.ApplicationError)));
        Command<GetSandboxInfo>(_ => Sender.Tell(Info()));
        Command<StopSandbox>(_ => Context.Stop(Self));
        Command<DetachSession>(_ => { });
        Command<OutputAck>(_ => { });
        Command<IWithSandboxId>(m => { foreach (var e in AbsentSandboxReplies.For(m, _sandboxId, "CHECKPOINTED")) Sender.Tell(e); });
        Command<object>(_ => { });
    }

    private void Restoring(IActorRef session)
    {
        Command<ContainerStarted>(m =>
        {
            SandboxMetrics.End(SandboxMetrics.Operation.Restore, _sandboxId);
            _container = m.Container;
            Record(new SandboxRestored(_host.NodeName, DateTimeOffset.UtcNow), e =>
            {
                _state = _state.Apply(e);
                _log.Info("Sandbox {0} restored on {1}", _sandboxId, _host.NodeName);
                if (_state.LatestCheckpoint?.Execution is { } carry)
                {
                    _exec = ExecutionStream.Resume(carry);
                    _nextExecId = carry.NextExecId;
                    _seq = carry.Seq;
                    _lastExecKilled = carry.LastExecKilled;
                    // the execution's process runs on in the restored runner, under the same id
                    _execProcess = m.Container.Runner.Ready.Result.Running.FirstOrDefault(p => p.Tag == ExecTag(carry.ExecId))?.ProcessId;
                }
                GoLive(session, restored: true);
            });
        });
        Command<ContainerFailed>(m =>
        {
            _log.Warning("Sandbox {0} failed to restore: {1}", _sandboxId, m.Reason);
            SandboxMetrics.Fail(SandboxMetrics.Operation.Restore, _sandboxId, SandboxStatus.RestoreError);
            session.Tell(new SandboxRejected(SandboxStatus.RestoreError, $"Failed to restore sandbox {_sandboxId}: {m.Reason}", CloseCodes.ApplicationError));
            Become(Checkpointed);
            Stash.UnstashAll();
        });
        Command<object>(_ => Stash.Stash());
    }

    /// <summary>
    /// This sandbox has no container any more and did not tear one down itself (its node died, it
    /// failed to start, a checkpoint lost it): it falls back to its last complete checkpoint if it has
    /// one, and is recorded as deleted otherwise.
    /// </summary>
    private void SettleWithoutContainer(string reason, bool passivate)
    {
        if (_state.LatestCheckpoint is not null)
        {
            _state = _state with { Lifecycle = SandboxLifecycle.Checkpointed, Node = null };
            Become(Checkpointed);
            Stash.UnstashAll();
            if (passivate) Passivate();
            return;
        }
        Record(new SandboxDeleted(reason, DateTimeOffset.UtcNow), e =>
        {
            _state = _state.Apply(e);
            ForgetHistory();
            Become(Gone);
            Stash.UnstashAll();
            if (passivate) Passivate();
        });
    }

    /// <summary>A container runs for this sandbox: register it, read its runner, serve the session.</summary>
    private void GoLive(IActorRef session, bool restored)
    {
        _creatingFor = null;
        _host.Capacity.MarkRunning(_sandboxId);
        _host.Registry.Add(_container!.ContainerKey);
        StartReadingRunner();
        Become(Running);
        AttachSession(session, restored);
        Stash.UnstashAll();
    }

    /// <summary>Fetches the checkpoint archive, checks its size and SHA-256 against the persisted
    /// <see cref="CheckpointTaken"/>, unpacks image and writable layer into the sandbox's own bundle
    /// path, and restores. Anything wrong leaves no container and no bundle behind.</summary>
    private async Task<SandboxContainer> RestoreFromCheckpointAsync(IObjectStore store, CheckpointRef checkpoint)
    {
        var runsc = _host.Runsc;
        await SandboxContainer.DestroyLeftoversAsync(runsc, ContainerKey);
        var bundle = new OciBundle(runsc.Options, ContainerKey);
        try
        {
            await using (var stream = await store.OpenReadAsync(checkpoint.Key, CancellationToken.None)
                                      ?? throw new RunscException($"Latest checkpoint not found for sandbox {_sandboxId}"))
            using (var hashing = new HashingStream(stream))
            {
                Directory.CreateDirectory(bundle.Dir);
                // the unpacked writable layer goes onto its size-limited mount, as when it was taken
                if (!runsc.Options.ReadonlyFilesystem) bundle.PrepareWritableLayer();
                try
                {
                    await TarArchive.ExtractAsync(bundle.Dir, hashing, CancellationToken.None);
                }
                catch (IOException) when (hashing.BytesRead != checkpoint.Size)
                {
                    // fall through to the integrity check, which names the problem
                }
                if (hashing.BytesRead != checkpoint.Size || hashing.Sha256Hex() != checkpoint.Sha256)
                    throw new RunscException($"the checkpoint image is corrupt (expected {checkpoint.Size} bytes with sha256 {checkpoint.Sha256[..12]}…)");
            }
            return await SandboxContainer.RestoreAsync(runsc, bundle, bundle.ImageDir, _host.Options.StartTimeout, CancellationToken.None);
        }
        catch (Exception e)
        {
            bundle.Destroy();
            OciBundle.TryDelete(runsc.Options.RootDirFor(ContainerKey));
            throw e is RunscException or ObjectStoreException ? e : new RunscException(e.Message);
        }
    }

    /// <summary>For a create from a snapshot: unpacks the snapshot into the new sandbox's writable layer.</summary>
    private Func<string, Task>? SnapshotSeed(string? name)
    {
        if (name is null) return null;
        var store = _host.Snapshots;
        return async upper =>
        {
            if (store is null) throw new InvalidOperationException("Filesystem snapshot is not enabled on the server.");
            if (!SnapshotNames.IsValid(name)) throw new InvalidOperationException(SnapshotNames.Rule(name));
            await using var s = await store.OpenReadAsync(SnapshotNames.Key(name), CancellationToken.None)
                                ?? throw new InvalidOperationException($"Filesystem snapshot not found: {name}");
            await TarArchive.ExtractAsync(upper, s, CancellationToken.None);
        };
    }

    /// <summary>Gone (deleted) or never created: answer as the protocol says for a missing sandbox.</summary>
    private void Gone()
    {
        _host.Capacity.Release(_sandboxId);
        RerouteWhilePassivating();
        Command<CreateSandbox>(c => c.Session.Tell(new SandboxRejected(SandboxStatus.CreationError,
            $"Failed to create gVisor container: sandbox {c.SandboxId} already existed", CloseCodes.ApplicationError)));
        CommonWhenAbsent();
    }

    private void CommonWhenAbsent()
    {
        Command<AttachSandbox>(a =>
        {
            a.Session.Tell(new SandboxRejected(SandboxStatus.NotFound, null, CloseCodes.InternalError));
            Passivate();
        });
        Command<GetSandboxInfo>(_ =>
        {
            Sender.Tell(Info());
            if (_state.Lifecycle == SandboxLifecycle.New) Passivate();   // a lookup of an id that never existed
        });
        Command<AdminCommand>(_ =>
        {
            Sender.Tell(new AdminResult(false, $"sandbox {_sandboxId} not found"));
            if (_state.Lifecycle == SandboxLifecycle.New) Passivate();
        });
        Command<StopSandbox>(_ => Context.Stop(Self));
        Command<DetachSession>(_ => { });
        Command<OutputAck>(_ => { });
        Command<IWithSandboxId>(m => ReplyAsDeleted(Sender, m));
        Command<object>(_ => { });
    }

    /// <summary>
    /// Once we have asked the shard to stop us, it may still hand us messages it received before it
    /// saw the request; acting on them here would be undone by the stop that follows (a restore or a
    /// create ended at once). Route them through the region again: the shard holds them until we
    /// have stopped and gives them to our next incarnation.
    /// On a node that is shutting down they are dropped instead: its region is handing its shards
    /// off and would hold them for a home that only another node can give (the sender retries there).
    /// </summary>
    private void RerouteWhilePassivating() =>
        Command<IWithSandboxId>(m =>
        {
            if (CoordinatedShutdown.Get(Context.System).ShutdownReason is null)
                Context.ActorSelection(Context.Parent.Path.Parent).Tell(m, Sender);
        }, m => _passivating && m is not StopSandbox);

    private void ReplyAsDeleted(IActorRef to, object m)
    {
        var state = _state.Lifecycle == SandboxLifecycle.New ? "NOT_FOUND" : "DELETED";
        foreach (var e in AbsentSandboxReplies.For(m, _sandboxId, state)) to.Tell(e);
    }

    // ---- behaviour: running ----------------------------------------------------------------------

    private void Running()
    {
        Command<AttachSandbox>(OnAttach);
        Command<DetachSession>(d => { if (Equals(d.Session, _session)) Detach("client left"); });
        Command<Terminated>(t => { if (Equals(t.ActorRef, _session)) Detach("session terminated"); });
        Command<ExecuteCode>(OnExecute);
        Command<WriteStdin>(OnStdin);
        Command<KillProcess>(_ => OnKillProcess());
        Command<KillSandbox>(_ => OnKillSandbox());
        Command<Reconnect>(_ => OnReconnect());
        Command<OutputAck>(a => OnAck(a.Seq));
        Command<CheckpointSandbox>(_ => OnCheckpoint());
        Command<SnapshotFilesystem>(OnSnapshot);
        Command<SnapshotDone>(OnSnapshotDone);
        Command<AdminCommand>(OnAdmin);
        Command<GetSandboxInfo>(_ => Sender.Tell(Info()));
        Command<IdleCheck>(_ => OnIdleCheck());
        Command<ExecutionTimeLimitReached>(m =>
        {
            if (_exec is { } x && x.ExecId == m.ExecId)
                KillForLimit(x, $"wall-clock limit of {_host.Options.ExecutionTimeLimit.TotalSeconds:0.#} s exceeded");
        });
        // Hand-off (node leaving) or passivation: tear down and stop at once; the shard waits for our
        // termination, so asking it to passivate us here would leave the hand-off hanging.
        Command<StopSandbox>(_ =>
        {
            if (CanCheckpoint) BeginCheckpoint(CheckpointKind.Shutdown, null);
            else Delete("stopped", [new StatusEvent(SandboxStatus.Deleting)], [new StatusEvent(SandboxStatus.Deleted)], CloseCodes.Normal, stopAfter: true, stopNow: true);
        });

        // the runner's events; their volume is bounded by the output credit granted in OnAck
        Command<RunnerEventReceived>(m => { if (ReferenceEquals(m.Container, _container)) OnRunnerEvent(m.Event); });
        Command<ExecStartFailed>(OnExecStartFailed);
        Command<SyncDone>(d => { if (_afterSync.Remove(d.SyncId, out var then)) then(); });
        Command<RunnerEventsEnded>(_ => { });
        Command<RunnerEnded>(OnRunnerEnded);
        Command<ContainerExited>(OnContainerExited);
        Command<object>(_ => { });
    }

    private void OnAttach(AttachSandbox a)
    {
        Touch();
        if (!_state.TokenMatches(a.TokenSha256))
        {
            a.Session.Tell(new SandboxRejected(SandboxStatus.PermissionDenialError, "Invalid sandbox token.", CloseCodes.ApplicationError));
            return;
        }
        if (_session is not null && !Equals(_session, a.Session))
        {
            if (!_state.Settings.EnableHandoff)
            {
                a.Session.Tell(new SandboxRejected(SandboxStatus.InUse, null, CloseCodes.InternalError));
                return;
            }
            HandOffSession();
        }
        AttachSession(a.Session, restored: false);
    }

    /// <summary>
    /// §9.8 in a cluster: the sandbox never has to move, so a second valid attach takes the session
    /// over. The first client sees the release sequence it expects (its execution force-killed).
    /// </summary>
    private void HandOffSession()
    {
        var old = _session!;
        old.Tell(new StatusEvent(SandboxStatus.LockReleaseRequested));
        old.Tell(new StatusEvent(SandboxStatus.Checkpointing));
        if (_exec is { Finished: false } exec)
        {
            exec.Killed = true;
            _lastExecKilled = true;
            KillExecProcess();
            old.Tell(new StatusEvent(SandboxStatus.ExecutionForceKilled));
            old.Tell(new StatusEvent(SandboxStatus.ExecutionDone));
            _exec = null;   // the killed execution's tail belongs to nobody now (OnRunnerEvent drops it)
            _execProcess = null;
            _beforeStart.Clear();
        }
        foreach (var s in new[] { SandboxStatus.Deleting, SandboxStatus.LockReleasing, SandboxStatus.LockReleased, SandboxStatus.Deleted, SandboxStatus.Checkpointed })
            old.Tell(new StatusEvent(s));
        old.Tell(SessionReplaced.Instance);
        Context.Unwatch(old);
        _session = null;
    }

    private void AttachSession(IActorRef session, bool restored)
    {
        _session = session;
        Context.Watch(session);
        _awaitingReconnect = _exec is not null && !_exec.FullyDelivered;
        session.Tell(new SandboxAttached(_sandboxId, Self, restored));
        Touch();
    }

    private void Detach(string why)
    {
        if (_session is null) return;
        _log.Debug("Session detached from {0}: {1}", _sandboxId, why);
        Context.Unwatch(_session);
        _session = null;
        Touch();
        if (_state.Settings.DeleteOnDetach)
            Delete("one-shot session ended", Array.Empty<ISessionEvent>(), Array.Empty<ISessionEvent>(), null, stopAfter: true);
    }

    private void OnExecute(ExecuteCode x)
    {
        Touch();
        _awaitingReconnect = false;
        if (_exec is { Finished: false })
        {
            Sender.Tell(new StatusEvent(SandboxStatus.ExecutionError, "An execution is already in progress."));
            return;
        }
        _exec = new ExecutionStream(++_nextExecId);
        SandboxMetrics.ExecutionStarted(_sandboxId, x.Language);
        _lastExecKilled = false;
        _execProcess = null;
        _beforeStart.Clear();
        // The foreground execution is a block process: the runner reads its output only as far as
        // the window the client has acknowledged (OnAck gives credit back), so a slow client blocks it.
        var execId = _exec.ExecId;
        _container!.Runner.StartProcessAsync(new ProcessRequest
            {
                Policy = OutputPolicy.Block, Language = x.Language, Code = x.Code, CloseStdin = x.CloseStdin,
                Credit = _host.Options.OutputWindowBytes, Tag = ExecTag(execId),
            })
            .PipeTo(Self, success: _ => new ExecStartFailed(execId, null), failure: e => new ExecStartFailed(execId, e.GetBaseException().Message));
        Sender.Tell(new StatusEvent(SandboxStatus.ExecutionRunning));
        Timers.StartSingleTimer("execution-limit", new ExecutionTimeLimitReached(_exec.ExecId), _host.Options.ExecutionTimeLimit);
    }

    /// <summary>
    /// An execution over a limit is killed like a kill_process (FORCE_KILLED, then DONE), with a
    /// line on its stderr that says which limit; the sandbox itself stays usable.
    /// </summary>
    private void KillForLimit(ExecutionStream exec, string why)
    {
        if (exec.Finished || exec.Killed) return;
        _log.Info("Sandbox {0}: execution {1} killed: {2}", _sandboxId, exec.ExecId, why);
        exec.Killed = true;
        _lastExecKilled = true;
        KillExecProcess();
        if (exec.AddOutput(ref _seq, true, Encoding.UTF8.GetBytes($"\n[sandbox] execution killed: {why}\n")) is { } note) Emit(note);
        Emit(exec.AddStatus(ref _seq, SandboxStatus.ExecutionForceKilled));
    }

    private void OnStdin(WriteStdin s)
    {
        Touch();
        if (_exec is null || _lastExecKilled)
        {
            Sender.Tell(new StatusEvent(SandboxStatus.ExecutionError, "No process is running in the sandbox."));
            return;
        }
        if (_exec.Finished) return;
        var bytes = Encoding.UTF8.GetBytes(s.Data);
        var runner = _container!.Runner;
        // the program may have closed its stdin or exited meanwhile: nothing to tell the client then
        WhenStarted(id => runner.WriteStdinAsync(id, bytes).ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted));
    }

    private void OnKillProcess()
    {
        Touch();
        if (_exec is not { Finished: false } exec)
        {
            Sender.Tell(new StatusEvent(SandboxStatus.ExecutionForceKilled));
            if (_exec is not null) _lastExecKilled = true;
            return;
        }
        exec.Killed = true;
        _lastExecKilled = true;
        KillExecProcess();
        // FORCE_KILLED goes into the execution's own stream, so it always precedes that stream's DONE.
        Emit(exec.AddStatus(ref _seq, SandboxStatus.ExecutionForceKilled));
    }

    private void OnReconnect()
    {
        Touch();
        _awaitingReconnect = false;
        if (_exec is null || _exec.FullyDelivered)
        {
            _session?.Tell(new StatusEvent(SandboxStatus.ExecutionDone));
            return;
        }
        _session?.Tell(new StatusEvent(SandboxStatus.ExecutionRunning));
        foreach (var e in _exec.Unacked.ToList()) Emit(e);
    }

    private void OnAck(long seq)
    {
        if (_exec is null) return;
        var before = _exec.UnackedBytes;
        _exec.Ack(seq);
        if (_execProcess is { } id) _container?.Runner.Acknowledge(id, before - _exec.UnackedBytes);
    }

    private void OnKillSandbox()
    {
        Touch();
        var before = new List<ISessionEvent> { new StatusEvent(SandboxStatus.Killing), new StatusEvent(SandboxStatus.Deleting) };
        Delete("killed by client", before, [new StatusEvent(SandboxStatus.Deleted), new StatusEvent(SandboxStatus.Killed)], CloseCodes.Normal, stopAfter: true);
    }

    private void OnCheckpoint()
    {
        Touch();
        Sender.Tell(new StatusEvent(SandboxStatus.Checkpointing));
        if (!_state.Settings.EnableCheckpoint || _host.Checkpoints is null)
        {
            // §6.6: the sandbox itself keeps running
            Sender.Tell(new StatusEvent(SandboxStatus.CheckpointError,
                $"Failed to checkpoint sandbox {_sandboxId}: Sandbox {_sandboxId} is not configured for checkpointing."));
            Sender.Tell(new CloseSession(CloseCodes.ApplicationError));
            return;
        }
        // A running execution is no reason to refuse: its processes live inside the sandbox (the
        // runner's children), so it is checkpointed with them and goes on after the restore.
        BeginCheckpoint(CheckpointKind.Client, Sender);
    }

    private void OnSnapshot(SnapshotFilesystem m)
    {
        Touch();
        var replyTo = Sender;
        replyTo.Tell(new StatusEvent(SandboxStatus.FilesystemSnapshotCreating));
        string? refusal = null;
        if (_host.Snapshots is null) refusal = "Filesystem snapshot is not enabled on the server.";
        else if (m.Name is null || !SnapshotNames.IsValid(m.Name)) refusal = SnapshotNames.Rule(m.Name);
        else if (_host.Runsc.Options.ReadonlyFilesystem) refusal = "the sandbox has a read-only filesystem; there is nothing to snapshot.";
        else if (_snapshotInProgress) refusal = "another snapshot of this sandbox is in progress.";
        if (refusal is not null)
        {
            replyTo.Tell(new StatusEvent(SandboxStatus.FilesystemSnapshotError, $"Failed to snapshot filesystem for sandbox {_sandboxId}: {refusal}"));
            return;
        }
        // Ask the runner to sync first, so the sandbox's buffered writes have reached the upper layer.
        _snapshotInProgress = true;
        var syncId = ++_syncSeq;
        _afterSync[syncId] = () => TakeSnapshotAsync(m.Name!).PipeTo(Self, success: _ => new SnapshotDone(m.Name!, null, replyTo),
            failure: e => new SnapshotDone(m.Name!, e.GetBaseException().Message, replyTo));
        _container!.Runner.SyncAsync(quiesce: false).PipeTo(Self, success: () => new SyncDone(syncId),
            failure: e => new SnapshotDone(m.Name!, e.GetBaseException().Message, replyTo));
    }

    private Task<StoredObject> TakeSnapshotAsync(string name)
    {
        var store = _host.Snapshots!;
        var upper = _container!.Bundle.UpperDir;
        // the sandbox keeps running: a file that changes while it is read is taken as it was read
        return TarArchive.CreateAsync(upper, ["."], toleratesChanges: true, s => store.PutAsync(SnapshotNames.Key(name), s, CancellationToken.None), CancellationToken.None);
    }

    private void OnSnapshotDone(SnapshotDone d)
    {
        _snapshotInProgress = false;
        if (d.Error is null)
        {
            _log.Info("Sandbox {0}: filesystem snapshot {1} created", _sandboxId, d.Name);
            d.ReplyTo.Tell(new StatusEvent(SandboxStatus.FilesystemSnapshotCreated));
        }
        else
        {
            d.ReplyTo.Tell(new StatusEvent(SandboxStatus.FilesystemSnapshotError, $"Failed to snapshot filesystem for sandbox {_sandboxId}: {d.Error}"));
        }
    }

    // ---- checkpoint -----------------------------------------------------------------------------

    private enum CheckpointKind { Client, Idle, Shutdown }

    /// <summary>
    /// Sync, `runsc checkpoint` (which stops the container), then one archive of memory image and
    /// writable layer committed to the store. If storing fails the image is still here and the
    /// sandbox is restored on the spot, so a failed checkpoint never costs the client its sandbox.
    /// </summary>
    private void BeginCheckpoint(CheckpointKind kind, IActorRef? replyTo)
    {
        var session = _session;
        SandboxMetrics.Begin(SandboxMetrics.Operation.Checkpoint, _sandboxId);
        _tearingDown = true;
        Timers.CancelAll();
        var container = _container!;
        var store = _host.Checkpoints!;
        var key = $"sandbox_checkpoints/{_sandboxId}/ckpt_{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000}.tar";
        var syncId = ++_syncSeq;
        var started = false;
        CheckpointStored? stored = null;
        var streamEnded = false;
        void Start()
        {
            if (started) return;
            started = true;
            Timers.Cancel("checkpoint-sync");
            TakeCheckpointAsync(container, store, key).PipeTo(Self);
        }
        // The runner syncs, stops reading executions and hands over every whole frame before it
        // answers; frames that still arrive until the stream ends belong to the checkpoint too.
        void Complete()
        {
            if (stored is not null && streamEnded) OnCheckpointStored(stored, kind, session ?? replyTo);
        }
        _afterSync[syncId] = Start;
        // Output that arrives from now on is kept for the restored sandbox's client, not sent: what
        // the checkpoint carries over must be exactly what no client has seen.
        _awaitingReconnect = true;
        // the sync timer below starts the checkpoint anyway if the runner does not answer
        container.Runner.SyncAsync(quiesce: true).PipeTo(Self, success: () => new SyncDone(syncId), failure: _ => new CheckpointSyncTimeout());
        Timers.StartSingleTimer("checkpoint-sync", new CheckpointSyncTimeout(), TimeSpan.FromSeconds(5));
        Become(() =>
        {
            Command<SyncDone>(d => { if (_afterSync.Remove(d.SyncId, out var then)) then(); });
            Command<RunnerEventReceived>(m => { if (ReferenceEquals(m.Container, container)) OnRunnerEvent(m.Event); });
            Command<ExecStartFailed>(OnExecStartFailed);
            Command<RunnerEventsEnded>(m => { if (ReferenceEquals(m.Container, container)) { streamEnded = true; Complete(); } });
            Command<RunnerEnded>(_ => { });
            Command<CheckpointSyncTimeout>(_ => Start());
            Command<CheckpointStored>(m => { stored = m; Complete(); });
            Command<CheckpointFailed>(m => OnCheckpointFailed(m, kind, session ?? replyTo));
            Command<SnapshotDone>(OnSnapshotDone);
            Command<OutputAck>(a => _exec?.Ack(a.Seq));
            Command<ContainerExited>(_ => { });
            Command<object>(_ => Stash.Stash());
        });
    }

    private async Task<object> TakeCheckpointAsync(SandboxContainer c, IObjectStore store, string key)
    {
        OciBundle.TryDelete(c.Bundle.ImageDir);
        var r = await c.CheckpointAsync(c.Bundle.ImageDir, CancellationToken.None);
        if (!r.Ok) return new CheckpointFailed(r.Reason, StillRunning: true, Restored: null);
        try
        {
            var stored = await TarArchive.CreateAsync(c.Bundle.Dir, ["image", "upper"], toleratesChanges: false,
                s => store.PutAsync(key, s, CancellationToken.None), CancellationToken.None);
            return new CheckpointStored(stored);
        }
        catch (Exception e)
        {
            var reason = e.GetBaseException().Message;
            try
            {
                var back = await SandboxContainer.RestoreAsync(_host.Runsc, c.Bundle, c.Bundle.ImageDir, _host.Options.StartTimeout, CancellationToken.None);
                return new CheckpointFailed(reason, StillRunning: true, Restored: back);
            }
            catch (Exception e2)
            {
                c.Bundle.Destroy();
                return new CheckpointFailed($"{reason}; bringing the sandbox back failed too: {e2.GetBaseException().Message}", StillRunning: false, Restored: null);
            }
        }
    }

    private void OnCheckpointStored(CheckpointStored m, CheckpointKind kind, IActorRef? session)
    {
        var o = m.Stored;
        ExecutionCarryOver? carry = null;
        if (_exec is { } x && !x.FullyDelivered)
        {
            var (killed, finished, unacked) = x.Export();
            carry = new ExecutionCarryOver(x.ExecId, _nextExecId, _seq, killed, finished, _lastExecKilled, unacked);
        }
        Record(new CheckpointTaken(o.Key, o.Size, o.Sha256, o.Generation, DateTimeOffset.UtcNow, carry), e =>
        {
            var previous = _state.LatestCheckpoint;
            _state = _state.Apply(e);
            if (previous is not null && previous.Key != o.Key) _ = _host.Checkpoints!.DeleteAsync(previous.Key, CancellationToken.None);
            _log.Info("Sandbox {0} checkpointed to {1} ({2} bytes)", _sandboxId, o.Key, o.Size);
            SandboxMetrics.End(SandboxMetrics.Operation.Checkpoint, _sandboxId);
            _operatorCheckpoint?.Tell(new AdminResult(true, $"checkpointed to {o.Key} ({o.Size} bytes)"));
            _operatorCheckpoint = null;
            _container?.Bundle.Destroy();
            _container = null;
            _exec = null;
            _execProcess = null;
            _host.Registry.Remove(ContainerKey);
            session?.Tell(new StatusEvent(SandboxStatus.Deleting));
            session?.Tell(new StatusEvent(SandboxStatus.Deleted));   // before CHECKPOINTED: stops the Python client reconnecting
            if (kind == CheckpointKind.Client) session?.Tell(new StatusEvent(SandboxStatus.Checkpointed));
            session?.Tell(new CloseSession(CloseCodes.Normal));
            if (_session is not null) Context.Unwatch(_session);
            _session = null;
            _tearingDown = false;
            Become(Checkpointed);
            Stash.UnstashAll();
            if (kind == CheckpointKind.Shutdown) Context.Stop(Self);
            else Passivate();
        });
    }

    private void OnCheckpointFailed(CheckpointFailed m, CheckpointKind kind, IActorRef? session)
    {
        _log.Warning("Sandbox {0}: checkpoint failed: {1}", _sandboxId, m.Reason);
        SandboxMetrics.Fail(SandboxMetrics.Operation.Checkpoint, _sandboxId, SandboxStatus.CheckpointError);
        var message = $"Failed to checkpoint sandbox {_sandboxId}: {m.Reason}";
        _operatorCheckpoint?.Tell(new AdminResult(false, message));
        _operatorCheckpoint = null;
        if (m.StillRunning)
        {
            if (m.Restored is not null)
            {
                _container = m.Restored;
                StartReadingRunner();
            }
            else
            {
                // the runner was quiesced for nothing
                _container?.Runner.ResumeAfterQuiesceAsync().ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            }
            _tearingDown = false;
            _awaitingReconnect = false;
            // the client goes on where it was: send what was held back while the checkpoint ran
            if (_exec is not null)
                foreach (var held in _exec.Unacked.Where(x => x.Seq > _emittedUpTo).ToList()) Emit(held);
            Become(Running);
            Stash.UnstashAll();
            Touch();
            if (kind == CheckpointKind.Client) session?.Tell(new StatusEvent(SandboxStatus.CheckpointError, message));
            if (kind == CheckpointKind.Shutdown)
                Delete("stopped; checkpoint failed", [new StatusEvent(SandboxStatus.Deleting)], [new StatusEvent(SandboxStatus.Deleted)], CloseCodes.Normal, stopAfter: true, stopNow: true);
            return;
        }
        // The container is gone; the previous checkpoint, if any, is still the sandbox's latest.
        _container = null;
        _host.Registry.Remove(ContainerKey);
        session?.Tell(new StatusEvent(SandboxStatus.CheckpointError, message));
        session?.Tell(new StatusEvent(SandboxStatus.Deleted));
        session?.Tell(new CloseSession(CloseCodes.ApplicationError));
        _session = null;
        _tearingDown = false;
        SettleWithoutContainer("checkpoint failed", passivate: true);
    }

    private void OnAdmin(AdminCommand c)
    {
        var replyTo = Sender;
        switch (c.Action)
        {
            case AdminAction.Suspend or AdminAction.Resume:
                var verb = c.Action == AdminAction.Suspend ? "pause" : "resume";
                _host.Runsc.RunAsync(_sandboxId, TimeSpan.FromSeconds(10), CancellationToken.None, verb, _sandboxId)
                    .PipeTo(replyTo, success: r => new AdminResult(r.Ok, r.Ok ? "" : r.Reason));
                break;
            case AdminAction.Checkpoint when !CanCheckpoint:
                replyTo.Tell(new AdminResult(false, $"sandbox {_sandboxId} is not configured for checkpointing (or the server has no checkpoint storage)"));
                break;
            case AdminAction.Checkpoint:
                _operatorCheckpoint = replyTo;
                BeginCheckpoint(CheckpointKind.Client, null);
                break;
            case AdminAction.Delete:
                replyTo.Tell(new AdminResult(true, ""));
                Delete("deleted by operator", [new StatusEvent(SandboxStatus.Deleting)], [new StatusEvent(SandboxStatus.Deleted)], CloseCodes.Normal, stopAfter: true);
                break;
        }
    }

    // ---- the runner's events ---------------------------------------------------------------------

    private static string ExecTag(uint execId) => $"exec-{execId}";

    private void OnRunnerEvent(RunnerEvent e)
    {
        var exec = _exec is not null && _execProcess == e.ProcessId ? _exec : null;
        switch (e)
        {
            case ProcessStarted started when _exec is { } x && started.Tag == ExecTag(x.ExecId):
                _execProcess = started.ProcessId;
                foreach (var then in _beforeStart) then(started.ProcessId);
                _beforeStart.Clear();
                break;
            case ProcessOutput o when exec is not null:
                Touch();
                var stderr = o.Stream == OutputStream.Stderr;
                SandboxMetrics.OutputStreamed(o.Bytes.Length, stderr);
                var counted = exec.UnackedBytes;
                if (exec.AddOutput(ref _seq, stderr, o.Bytes) is { } chunk) Emit(chunk);
                // bytes that completed no character yet are in no event, so no ack returns them: now
                var uncounted = o.Bytes.Length - (exec.UnackedBytes - counted);
                if (uncounted > 0) _container?.Runner.Acknowledge(o.ProcessId, uncounted);
                if (exec.OutputBytes > _host.Options.ExecutionOutputLimitBytes)
                    KillForLimit(exec, $"output limit of {_host.Options.ExecutionOutputLimitBytes} bytes exceeded");
                break;
            case ProcessOutput o:
                _container?.Runner.Acknowledge(o.ProcessId, o.Bytes.Length);   // nobody's output: let it drain
                break;
            case ProcessExited when exec is not null:
                Touch();
                SandboxMetrics.End(SandboxMetrics.Operation.Exec, _sandboxId);
                foreach (var ev in exec.Finish(ref _seq)) Emit(ev);
                break;
        }
    }

    /// <summary>The runner refused to start the execution (message set), or started it (null).</summary>
    private void OnExecStartFailed(ExecStartFailed m)
    {
        if (m.Reason is null || _exec is not { Finished: false } exec || exec.ExecId != m.ExecId) return;
        Emit(exec.AddOutput(ref _seq, true, Encoding.UTF8.GetBytes($"failed to start: {m.Reason}\n"))!);
        foreach (var e in exec.Finish(ref _seq)) Emit(e);
    }

    /// <summary>Runs <paramref name="action"/> with the execution's process id, now or once it is known.</summary>
    private void WhenStarted(Action<uint> action)
    {
        if (_execProcess is { } id) action(id);
        else _beforeStart.Add(action);
    }

    private void KillExecProcess()
    {
        var runner = _container?.Runner;
        if (runner is null) return;
        WhenStarted(id => runner.SignalAsync(id, RunnerSignal.Kill).ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted));
    }

    private void Emit(ExecutionEvent e)
    {
        if (_session is null || _awaitingReconnect) return;
        _session.Tell(e);
        _emittedUpTo = e.Seq;
    }

    private void StartReadingRunner()
    {
        var self = Self;
        var container = _container!;
        _ = Task.Run(async () =>
        {
            await foreach (var e in container.Runner.Events.ReadAllAsync()) self.Tell(new RunnerEventReceived(container, e));
            self.Tell(new RunnerEventsEnded(container));
        });
        container.Runner.Ended.PipeTo(self, success: end => new RunnerEnded(container, end));
        container.Exited.PipeTo(self, success: code => new ContainerExited(container, code));
    }

    /// <summary>A runner whose stream broke the protocol (forged by code in the sandbox, or corrupt)
    /// can no longer be trusted: the sandbox ends with SANDBOX_ERROR naming the violation.</summary>
    private void OnRunnerEnded(RunnerEnded m)
    {
        if (_tearingDown || !ReferenceEquals(m.Container, _container) || !m.End.IsViolation) return;
        var reason = $"The sandbox was stopped because its runner broke the protocol: {m.End.Reason}.";
        _log.Warning("Sandbox {0}: {1}", _sandboxId, reason);
        SandboxMetrics.Error(SandboxStatus.Error);
        var before = new List<ISessionEvent>();
        if (_exec is { Finished: false }) before.Add(new StatusEvent(SandboxStatus.ExecutionDone));
        before.Add(new StatusEvent(SandboxStatus.Error, reason));
        Delete("runner protocol violation", before, [new StatusEvent(SandboxStatus.Deleted)], CloseCodes.ApplicationError, stopAfter: true);
    }

    private void OnContainerExited(ContainerExited m)
    {
        if (_tearingDown || !ReferenceEquals(m.Container, _container)) return;
        var reason = m.Container.DescribeUnexpectedExit(m.ExitCode);
        _log.Warning("Sandbox {0}: {1}", _sandboxId, reason);
        SandboxMetrics.Error(SandboxStatus.Error);
        var before = new List<ISessionEvent>();
        if (_exec is { Finished: false }) before.Add(new StatusEvent(SandboxStatus.ExecutionDone));
        before.Add(new StatusEvent(SandboxStatus.Error, reason));
        Delete("container died", before, [new StatusEvent(SandboxStatus.Deleted)], CloseCodes.ApplicationError, stopAfter: true);
    }

    // ---- idle timeout -----------------------------------------------------------------------------

    private void Touch()
    {
        _lastActivity = DateTime.UtcNow;
        if (_state.Settings.IdleTimeoutSeconds is > 0 && !Timers.IsTimerActive("idle"))
            Timers.StartSingleTimer("idle", IdleCheck.Instance, TimeSpan.FromSeconds(_state.Settings.IdleTimeoutSeconds.Value));
    }

    private void OnIdleCheck()
    {
        if (_state.Settings.IdleTimeoutSeconds is not { } timeout || timeout <= 0) return;
        var idleFor = DateTime.UtcNow - _lastActivity;
        var limit = TimeSpan.FromSeconds(timeout);
        if (idleFor < limit)
        {
            Timers.StartSingleTimer("idle", IdleCheck.Instance, limit - idleFor);
            return;
        }
        if (_exec is { Finished: false })
        {
            Timers.StartSingleTimer("idle", IdleCheck.Instance, limit);   // never expire mid-execution
            return;
        }
        if (_state.Settings.AutoCheckpointOnIdle && CanCheckpoint)
        {
            _log.Info("Sandbox {0} idle for {1:0.#} s: checkpointing", _sandboxId, idleFor.TotalSeconds);
            BeginCheckpoint(CheckpointKind.Idle, null);
            return;
        }
        _log.Info("Sandbox {0} idle for {1:0.#} s: deleting", _sandboxId, idleFor.TotalSeconds);
        Delete("idle timeout", [new StatusEvent(SandboxStatus.Deleting)], [new StatusEvent(SandboxStatus.Deleted)], CloseCodes.Normal, stopAfter: true);
    }

    /// <summary>The container key in use: the sandbox id, or the warm-pool key it started with.</summary>
    private string ContainerKey => _container?.ContainerKey ?? _state.ContainerKey ?? _sandboxId;

    private bool CanCheckpoint => _state.Settings.EnableCheckpoint && _host.Checkpoints is not null && _container is not null;

    // ---- teardown ---------------------------------------------------------------------------------

    /// <summary>Tells the session <paramref name="before"/>, removes the container, persists the deletion,
    /// then tells <paramref name="after"/> and closes the session with <paramref name="closeCode"/>.</summary>
    /// <summary>
    /// Tells the session <paramref name="before"/>, persists the deletion, tells <paramref name="after"/>
    /// and closes the session with <paramref name="closeCode"/> — the client's answer does not wait for
    /// the teardown — then kills the container and removes its mount and bundle before the actor stops.
    /// If the node dies in between, its container registry is swept at the next start.
    /// </summary>
    private void Delete(string reason, IReadOnlyList<ISessionEvent> before, IReadOnlyList<ISessionEvent> after, int? closeCode, bool stopAfter, bool stopNow = false)
    {
        var session = _session;
        foreach (var e in before) session?.Tell(e);
        if (_exec is { Finished: false } && session is not null && !before.OfType<StatusEvent>().Any(s => s.Status == SandboxStatus.ExecutionDone))
            session.Tell(new StatusEvent(SandboxStatus.ExecutionDone));
        _tearingDown = true;
        Timers.CancelAll();
        var container = _container;
        var checkpoint = _state.LatestCheckpoint;
        Record(new SandboxDeleted(reason, DateTimeOffset.UtcNow), e =>
        {
            _state = _state.Apply(e);
            if (checkpoint is not null) _ = _host.Checkpoints?.DeleteAsync(checkpoint.Key, CancellationToken.None);
            _log.Info("Sandbox {0} deleted ({1})", _sandboxId, reason);
            foreach (var ev in after) session?.Tell(ev);
            if (closeCode is { } code) session?.Tell(new CloseSession(code));
            if (session is not null) Context.Unwatch(session);
            _session = null;
            ForgetHistory();
            (container?.DestroyAsync() ?? Task.CompletedTask).ContinueWith(t => new ContainerDestroyed(t.Exception?.GetBaseException().Message)).PipeTo(Self);
        });
        Become(() =>
        {
            Command<ContainerDestroyed>(d =>
            {
                if (d.Error is not null) _log.Error("Sandbox {0}: teardown failed ({1}); the node's registry keeps it for the next sweep", _sandboxId, d.Error);
                else _host.Registry.Remove(ContainerKey);
                _container = null;
                Become(Gone);
                Stash.UnstashAll();
                if (stopNow) Context.Stop(Self);
                else if (stopAfter) Passivate();
            });
            Command<RunnerEventReceived>(_ => { });
            Command<RunnerEventsEnded>(_ => { });
            Command<RunnerEnded>(_ => { });
            Command<ExecStartFailed>(_ => { });
            Command<SyncDone>(_ => { });
            Command<OutputAck>(_ => { });
            Command<ContainerExited>(_ => { });
            Command<object>(_ => Stash.Stash());
        });
    }

    /// <summary>
    /// Persists a lifecycle event, then runs <paramref name="then"/>. A one-shot sandbox (HTTP
    /// /execute) is never recovered or restored, so its events are applied without a journal write:
    /// that keeps the journal's latency off the one-shot path, and a crash still loses nothing (the
    /// node's container registry removes its container at the next start).
    /// </summary>
    private void Record<TEvent>(TEvent e, Action<TEvent> then) where TEvent : ISandboxEvent
    {
        var oneShot = _state.Settings.DeleteOnDetach || e is SandboxCreated { Settings.DeleteOnDetach: true };
        if (oneShot) then(e);
        else { var t = System.Diagnostics.Stopwatch.GetTimestamp(); Persist(e, ev => { SandboxMetrics.JournalWritten(t); then(ev); }); }
    }

    /// <summary>A deleted sandbox's events are of no further use: drop them from the journal.</summary>
    private void ForgetHistory()
    {
        if (!_state.Settings.DeleteOnDetach) DeleteMessages(LastSequenceNr);
    }

    private void Passivate()
    {
        // Under sharding the shard stops us (buffering messages meanwhile); elsewhere (tests) we stop ourselves.
        if (Context.Parent.Path.Name == "user" || Context.Parent.Path.Elements.Count == 0) Context.Stop(Self);
        else
        {
            _passivating = true;
            Context.Parent.Tell(new Passivate(StopSandbox.Instance));
        }
    }

    private SandboxInfo Info() => new(_sandboxId, _state.Lifecycle.ToString().ToLowerInvariant(), _state.Node,
        _session is not null, _exec is { Finished: false }, _state.CreatedAt);

    /// <summary>
    /// The journal refused or failed a write; Akka stops the actor next (and PostStop removes any
    /// container). A client waiting for its sandbox hears why instead of waiting for nothing.
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Sandbox {0}: the journal failed to store {1}", _sandboxId, @event.GetType().Name);
        _creatingFor?.Tell(new SandboxRejected(SandboxStatus.CreationError,
            $"Failed to create gVisor container: the journal is unavailable ({cause.GetBaseException().Message})", CloseCodes.ApplicationError));
        _creatingFor = null;
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _creatingFor?.Tell(new SandboxRejected(SandboxStatus.CreationError,
            $"Failed to create gVisor container: the journal rejected the sandbox ({cause.GetBaseException().Message})", CloseCodes.ApplicationError));
        _creatingFor = null;
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    protected override void PostStop()
    {
        // Last line of defence: a stopped actor never leaves its container behind.
        if (_container is { } c)
        {
            var registry = _host.Registry;
            _ = c.DestroyAsync().ContinueWith(_ => registry.Remove(c.ContainerKey));
        }
        _host.Capacity.Release(_sandboxId);
        _operatorCheckpoint?.Tell(new AdminResult(false, $"sandbox {_sandboxId} stopped before its checkpoint completed"));
        base.PostStop();
    }

    // ---- private messages ---------------------------------------------------------------------------
    private sealed record ContainerStarted(SandboxContainer Container);
    private sealed record ContainerFailed(string Reason);
    private sealed record ContainerExited(SandboxContainer Container, int ExitCode);
    private sealed record ContainerDestroyed(string? Error);
    private sealed record LeftoversRemoved;
    private sealed record CheckpointStored(StoredObject Stored);
    private sealed record CheckpointFailed(string Reason, bool StillRunning, SandboxContainer? Restored);
    private sealed record CheckpointSyncTimeout;
    private sealed record ExecutionTimeLimitReached(uint ExecId);
    private sealed record SnapshotDone(string Name, string? Error, IActorRef ReplyTo);
    private sealed class IdleCheck { public static readonly IdleCheck Instance = new(); }
    private sealed record RunnerEventReceived(SandboxContainer Container, RunnerEvent Event);
    private sealed record RunnerEventsEnded(SandboxContainer Container);
    private sealed record RunnerEnded(SandboxContainer Container, RunnerEnd End);
    private sealed record ExecStartFailed(uint ExecId, string? Reason);
    private sealed record SyncDone(uint SyncId);
}
