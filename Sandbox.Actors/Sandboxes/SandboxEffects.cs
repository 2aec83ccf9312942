using System.Text;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Sandbox.Actors.Calls;
using Sandbox.Actors.Catalog;
using Sandbox.Actors.Operations;
using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Telemetry;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxEffect;
using static Sandbox.Core.Sandboxes.SandboxSignals;
using LogLevel = Sandbox.Core.Sandboxes.LogLevel;

namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// Runs a sandbox's effects for its actor: the container it owns, its runner's stream, timers,
/// stash, node bookkeeping and metrics. Anything that takes time is started here and ends with a
/// named message to the actor (<see cref="ContainerReady"/>, <see cref="CheckpointDone"/>, the
/// signals of <see cref="SandboxSignals"/>).
/// </summary>
public sealed class SandboxEffects(
    string sandboxId, SandboxHostContext host, IUntypedActorContext context, IActorRef self,
    Func<ITimerScheduler> timers, Func<IStash> stash, Func<SandboxState> state)
{
    /// <summary>A container is running for the sandbox (started, from the pool, or restored).</summary>
    public sealed record ContainerReady(SandboxContainer? Container, string? Failure, bool Restored)
    {
        /// <summary>The network lease the container was started or restored in (null without networking).</summary>
        public Network.NetworkLease? Lease { get; init; }
    }

    public sealed record CheckpointDone(CheckpointOutcome Outcome);

    public sealed record ContainerExitedUnasked(SandboxContainer Container, int ExitCode);

    private readonly ILoggingAdapter _log = context.GetLogger();
    private SandboxContainer? _container;
    private readonly ExecutionProcesses _executions = new();
    private readonly RunnerCalls _calls = new(host.Options.ProcessOutputKeepBytes, host.Runsc.Options.Limits.DiskMb);
    private readonly NetworkLeases _network = new(host.Networks, why => context.GetLogger().Warning("Sandbox {0}: {1}", sandboxId, why));
    /// <summary>Catalog writes of this sandbox, one after the other (a later summary must not land first).</summary>
    private Task _catalogWrites = Task.CompletedTask;

    public bool IsCurrent(SandboxContainer c) => ReferenceEquals(c, _container);

    public bool IsCurrentStream(SandboxContainer c) => ReferenceEquals(c, _container) || _container is null;

    /// <summary>Takes over a container that started (or says why none did) and turns it into a signal.</summary>
    public object Adopt(ContainerReady m)
    {
        if (m.Container is null) return new ContainerFailed(m.Failure ?? "unknown failure", m.Restored);
        if (m.Lease is not null) _network.Own(m.Lease);
        Own(m.Container);
        return new ContainerStarted(m.Container.ContainerKey, m.Restored);
    }

    public object Adopt(CheckpointDone m)
    {
        var o = m.Outcome;
        // the lease is released when the container is gone: what it counted goes into the checkpoint
        if (o.Stored is not null) return new CheckpointStored(o.Stored) { LeaseBytes = _network.LeaseBytes() };
        if (o.Container is not null) Own(o.Container);
        else if (!o.StillRunning) Disown();
        return new CheckpointFailed(o.Failure ?? "unknown failure", o.StillRunning, RestoredOnTheSpot: o.Container is not null);
    }

    private void Own(SandboxContainer c)
    {
        _calls.Reset();
        _container = c;
        // a restored runner lists the executions that were running at its checkpoint
        _executions.Reset(c.Runner.Ready.IsCompletedSuccessfully ? c.Runner.Ready.Result.Running : []);
        RunnerEvents.Start(c, self);
        c.Exited.PipeTo(self, success: code => new ContainerExitedUnasked(c, code));
    }

    /// <summary>The container is gone (or frozen into a checkpoint): nothing can be called in it any more.</summary>
    private void Disown()
    {
        _calls.Reset();
        _container = null;
    }

    /// <summary>What a runner event means to the decider (null: nothing). Output nobody reads is given
    /// back to the runner at once, so a stray process cannot stall on credit.</summary>
    public object? Translate(RunnerEvents.Received m)
    {
        if (!IsCurrent(m.Container)) return null;
        var signal = _executions.Signal(m.Event);
        if (signal is null && m.Event is ProcessOutput o) m.Container.Runner.Acknowledge(o.ProcessId, o.Bytes.Length);
        return signal;
    }

    // ---- effects ---------------------------------------------------------------------------------------

    public void Run(IReadOnlyList<SandboxEffect> effects, object input, IActorRef sender)
    {
        foreach (var e in effects) Run(e, input, sender);
    }

    private void Run(SandboxEffect effect, object input, IActorRef sender)
    {
        switch (effect)
        {
            case Send m:
                ((IActorRef)m.To.Handle).Tell(m.Message is SandboxProtocol.SandboxDescription described ? _network.WithUsage(described) : m.Message, self);
                break;
            case Watch w:
                context.Watch((IActorRef)w.Client.Handle);
                break;
            case Unwatch w:
                context.Unwatch((IActorRef)w.Client.Handle);
                break;

            case StartContainer s:
                StartContainerAsync(s.SnapshotName);
                break;
            case RestoreContainer r:
                if (host.Checkpoints is null) self.Tell(new ContainerReady(null, "checkpointing is not enabled on this server", Restored: true));
                else _network.LaunchAsync(r.ContainerKey, state().Settings.Network,
                        () => new RestoreOperation(host.Runsc, host.Checkpoints, host.Options.StartTimeout).RunAsync(sandboxId, r.ContainerKey, r.Checkpoint))
                    .PipeTo(self, success: x => new ContainerReady(x.Result, null, true) { Lease = x.Lease }, failure: ex => new ContainerReady(null, ex.GetBaseException().Message, true));
                break;
            case DestroyContainer:
                var container = _container;
                Disown();
                var network = _network;
                (container?.DestroyAsync() ?? Task.CompletedTask)
                    .ContinueWith(async t => { await network.ReleaseAsync(); return new ContainerDestroyed(t.Exception?.GetBaseException().Message); }).Unwrap().PipeTo(self);
                break;
            case RemoveLeftovers r:
                SandboxContainer.DestroyLeftoversAsync(host.Runsc, r.ContainerKey).ContinueWith(_ => new LeftoversRemoved()).PipeTo(self);
                break;
            case FreezeContainer fr:
                host.Runsc.RunAsync(sandboxId, TimeSpan.FromSeconds(10), CancellationToken.None, fr.Freeze ? "pause" : "resume", state().EffectiveContainerKey)
                    .PipeTo(self, success: r => new FreezeDone(r.Ok, r.Ok ? "" : r.Reason, fr.ReplyTo));
                break;

            case ApplyNetworkPolicy n:
                _network.Apply(n.Policy);
                break;

            case StartExecution x:
                StartExecutionAsync(x);
                break;
            case SendStdin i when _container is { } c:
                var bytes = Encoding.UTF8.GetBytes(i.Data);
                // the program may have closed its stdin or exited meanwhile: nothing to tell the client then
                _executions.WhenStarted(i.ExecId, id => Quietly(c.Runner.WriteStdinAsync(id, bytes)));
                break;
            case KillExecution k when _container is { } c:
                _executions.WhenStarted(k.ExecId, id => Quietly(c.Runner.SignalAsync(id, RunnerSignal.Kill)));
                break;
            case GrantOutputCredit g when _container is { } c:
                _executions.WhenStarted(g.ExecId, id => c.Runner.Acknowledge(id, g.Bytes));
                break;
            case SyncRunner s when _container is { } c:
                // no answer (or a runner that refuses) is decided like a sync that takes too long
                c.Runner.SyncAsync(s.Quiesce).PipeTo(self, success: () => new RunnerSynced(s.SyncId), failure: _ => new QuiesceTimedOut(s.SyncId));
                break;
            case ResumeRunner when _container is { } c:
                Quietly(c.Runner.ResumeAfterQuiesceAsync());
                break;
            case PerformCall p:
                _calls.Perform(p.Call, _container?.Runner, p.ReplyTo?.Handle as IActorRef);
                break;
            case SendStdin or KillExecution or GrantOutputCredit or SyncRunner or ResumeRunner:
                break;   // no container: nothing runs that could take it

            case TakeCheckpoint when _container is { } c && host.Checkpoints is { } store:
                _calls.Reset();   // the restored runner forgets its open streams: their clients start again
                var renew = _network;
                var policy = state().Settings.Network;
                new CheckpointOperation(host.Runsc, store, host.Options.StartTimeout) { BeforeRestoreOnTheSpot = () => renew.RenewAsync(c.ContainerKey, policy) }
                    .RunAsync(c, sandboxId, DateTimeOffset.UtcNow)
                    .PipeTo(self, success: o => new CheckpointDone(o), failure: ex => new CheckpointDone(new CheckpointOutcome(null, ex.GetBaseException().Message, true, null)));
                break;
            case TakeCheckpoint:
                self.Tell(new CheckpointDone(new CheckpointOutcome(null, "the sandbox has no container or the server no checkpoint storage", true, null)));
                break;
            case TakeForkImage when _container is { } c && host.Checkpoints is { } store:
                new ForkOperation(host.Runsc, store, host.Options.StartTimeout, host.ForkImages).TakeImageAsync(c, sandboxId, DateTimeOffset.UtcNow)
                    .PipeTo(self, success: stored => new ForkImageTaken(stored, null), failure: ex => new ForkImageTaken(null, ex.GetBaseException().Message));
                break;
            case TakeForkImage:
                self.Tell(new ForkImageTaken(null, "the sandbox has no container or the server no checkpoint storage"));
                break;
            case StartFork sf when host.Checkpoints is { } store:
                // a fork is a restore under a lease of its own, with the policy it copied from its source
                _network.LaunchAsync(sf.ContainerKey, state().Settings.Network,
                        () => new ForkOperation(host.Runsc, store, host.Options.StartTimeout, host.ForkImages).StartAsync(sandboxId, sf.ContainerKey, sf.Image, sf.Hostname))
                    .PipeTo(self, success: x => new ContainerReady(x.Result, null, false) { Lease = x.Lease }, failure: ex => new ContainerReady(null, ex.GetBaseException().Message, false));
                break;
            case StartFork:
                self.Tell(new ContainerReady(null, "forks need checkpoint storage, which is not enabled on this server", Restored: false));
                break;
            case TakeSnapshot t when _container is { } c:
                new SnapshotOperation(host.Snapshots).TakeAsync(c, t.Name)
                    .PipeTo(self, success: _ => new SnapshotDone(t.Name, null, t.ReplyTo), failure: ex => new SnapshotDone(t.Name, ex.GetBaseException().Message, t.ReplyTo));
                break;
            case TakeSnapshot t:
                self.Tell(new SnapshotDone(t.Name, "the sandbox has no container", t.ReplyTo));
                break;
            case DeleteStoredCheckpoint d:
                _ = host.Checkpoints?.DeleteAsync(d.Key, CancellationToken.None);
                break;
            case ForgetJournal when !state().Settings.DeleteOnDetach:
                DeleteJournal();
                break;
            case ForgetJournal:
                break;

            case UpdateCatalog u when host.Catalog is { } catalog:
                Catalog(c => catalog.UpsertAsync(u.Summary, CancellationToken.None), u.Summary.SandboxId);
                break;
            case RemoveFromCatalog r when host.Catalog is { } catalog:
                Catalog(c => catalog.RemoveAsync(r.SandboxId, CancellationToken.None), r.SandboxId);
                break;
            case UpdateCatalog or RemoveFromCatalog:
                break;

            case StartTimer t:
                timers().StartSingleTimer(t.Name, t.Message, t.Delay);
                break;
            case CancelTimer t:
                timers().Cancel(t.Name);
                break;

            case AdmitRestore:
                if (host.Capacity.AdmitRestore(sandboxId) is { } victim) AskToMakeRoom(victim);
                break;
            case PauseForRoom p:
                AskToMakeRoom(p.SandboxId);
                break;
            case ContainerRunning r:
                host.Capacity.MarkRunning(sandboxId);
                host.Registry.Add(r.ContainerKey);
                break;
            case ContainerGone g:
                _container?.Bundle.Destroy();
                Disown();
                _ = _network.ReleaseAsync();
                host.Registry.Remove(g.ContainerKey);
                host.Capacity.Release(sandboxId);
                break;
            case ReleaseSlot:
                host.Capacity.Release(sandboxId);
                break;

            case Defer:
                stash().Stash();
                break;
            case Unstash:
                stash().UnstashAll();
                break;
            case Reroute:
                context.ActorSelection(context.Parent.Path.Parent).Tell(input, sender);
                break;
            case SandboxEffect.Passivate:
                // Under sharding the shard stops us (buffering messages meanwhile); elsewhere (tests) we stop ourselves.
                if (context.Parent.Path.Name == "user" || context.Parent.Path.Elements.Count == 0) context.Stop(self);
                else context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(SandboxProtocol.StopSandbox.Instance));
                break;
            case Stop:
                context.Stop(self);
                break;

            case Measure m:
                Record(m.What);
                break;
            case Log l:
                switch (l.Level)
                {
                    case LogLevel.Debug: _log.Debug(l.Message); break;
                    case LogLevel.Info: _log.Info(l.Message); break;
                    case LogLevel.Warning: _log.Warning(l.Message); break;
                    default: _log.Error(l.Message); break;
                }
                break;
            default:
                throw new InvalidOperationException($"no interpreter for the effect {effect.GetType().Name}");
        }
    }

    private void Catalog(Func<ISandboxCatalog, Task> write, string id)
    {
        var log = _log;
        var catalog = host.Catalog!;
        _catalogWrites = _catalogWrites.ContinueWith(async _ =>
        {
            try { await write(catalog); }
            catch (Exception e) { log.Warning("Sandbox {0}: the catalog could not be updated ({1}); it is rewritten at its next change", id, e.GetBaseException().Message); }
        }, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Set by the actor: drops the sandbox's journal entries.</summary>
    public Action DeleteJournal { get; set; } = () => { };

    private void StartExecutionAsync(StartExecution x)
    {
        if (_container is not { } c)
        {
            self.Tell(new RunnerExecFailed(x.ExecId, "the sandbox has no container"));
            return;
        }
        var request = new ProcessRequest
        {
            Policy = OutputPolicy.Block, Language = x.Language, Code = x.Code, CloseStdin = x.CloseStdin,
            Credit = x.Credit, Tag = ExecutionProcesses.TagOf(x.ExecId),
        };
        var executions = _executions;
        c.Runner.StartProcessAsync(request).ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) return;
            var reason = t.Exception?.GetBaseException() switch
            {
                RunnerProcessException p => p.Message,
                { } e => e.Message,
                null => "the start was cancelled",
            };
            self.Tell(new ExecutionNeverStarted(x.ExecId, reason));
        }, TaskScheduler.Default);
    }

    /// <summary>The runner refused an execution: what waited for its process is dropped, and the decider hears why.</summary>
    public sealed record ExecutionNeverStarted(uint ExecId, string Reason);

    public object Adopt(ExecutionNeverStarted m)
    {
        _executions.NeverStarted(m.ExecId);
        return new RunnerExecFailed(m.ExecId, m.Reason);
    }

    /// <summary>A runner call whose failure needs no answer (the process ended, the runner is gone): observed, not thrown.</summary>
    private static void Quietly(Task t) => t.ContinueWith(x => _ = x.Exception, TaskContinuationOptions.OnlyOnFaulted);

    /// <summary>A warm container is identical to a new one unless the sandbox starts from a snapshot.</summary>
    private void StartContainerAsync(string? snapshot)
    {
        if (snapshot is null && host.Pool?.TryTake() is { } warm)
        {
            _log.Info("Creating sandbox {0} from the warm pool ({1})", sandboxId, warm.ContainerKey);
            _network.AdoptPoolLease(warm.ContainerKey, state().Settings.Network);
            self.Tell(new ContainerReady(warm, null, Restored: false));
            return;
        }
        _network.LaunchAsync(sandboxId, state().Settings.Network,
                () => SandboxContainer.StartAsync(host.Runsc, sandboxId, host.Options.StartTimeout, CancellationToken.None, new SnapshotOperation(host.Snapshots).SeedFor(snapshot)))
            .PipeTo(self, success: x => new ContainerReady(x.Result, null, false) { Lease = x.Lease }, failure: ex => new ContainerReady(null, ex.GetBaseException().Message, false));
    }

    /// <summary>Through the shard region (the sandbox's shard lives on this node, as its slot does).</summary>
    private void AskToMakeRoom(string victimId)
    {
        _log.Info($"Host full: asking sandbox {victimId}, its least recently active pausable one, to pause for {sandboxId}");
        context.ActorSelection(context.Parent.Path.Parent).Tell(new SandboxProtocol.MakeRoom(victimId), ActorRefs.NoSender);
    }

    private void Record(Measurement m)
    {
        switch (m)
        {
            case Measurement.Begin b: SandboxMetrics.Begin(Map(b.Op), sandboxId); break;
            case Measurement.End e: SandboxMetrics.End(Map(e.Op), sandboxId); break;
            case Measurement.Fail f: SandboxMetrics.Fail(Map(f.Op), sandboxId, f.Status); break;
            case Measurement.ErrorReported r: SandboxMetrics.Error(r.Status); break;
            case Measurement.ExecutionStarted x: SandboxMetrics.ExecutionStarted(sandboxId, x.Language); break;
            case Measurement.OutputStreamed o: SandboxMetrics.OutputStreamed(o.Bytes, o.Stderr); break;
        }
    }

    private static SandboxMetrics.Operation Map(Measurement.Operation op) => op switch
    {
        Measurement.Operation.Create => SandboxMetrics.Operation.Create,
        Measurement.Operation.Exec => SandboxMetrics.Operation.Exec,
        Measurement.Operation.Checkpoint => SandboxMetrics.Operation.Checkpoint,
        _ => SandboxMetrics.Operation.Restore,
    };

    /// <summary>The actor stopped: a container it still owns is removed (best effort, in the background).</summary>
    public void DestroyOnStop()
    {
        var network = _network;
        if (_container is not { } c)
        {
            _ = network.ReleaseAsync();
            return;
        }
        _container = null;
        var registry = host.Registry;
        _ = c.DestroyAsync().ContinueWith(async _ => { await network.ReleaseAsync(); registry.Remove(c.ContainerKey); }).Unwrap();
    }
}
