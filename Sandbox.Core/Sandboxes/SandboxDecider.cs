using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;
using static Sandbox.Core.Sandboxes.SandboxSignals;

namespace Sandbox.Core.Sandboxes;

/// <summary>
/// Decides what a sandbox does with each command and signal: the events that change its state, and
/// the effects the actor runs. Pure: no Akka, no I/O; the clock, the node and admission come in
/// <see cref="SandboxFacts"/>. The phase decides first (an operation in flight keeps most commands
/// for later), then the lifecycle. This file holds the dispatch; the decisions live in the other
/// parts of this class, one concern each.
/// </summary>
public static partial class SandboxDecider
{
    /// <param name="from">Who sent <paramref name="input"/> (answers to operators and busy replies go there).</param>
    public static Decision Decide(SandboxState s, object input, ClientRef? from, SandboxFacts f)
    {
        var d = new DecisionBuilder(s);
        DecideInto(d, input, from, f);
        // Every journaled change is mirrored in the catalog (one-shot sandboxes are never listed).
        if (d.Journals && !d.State.Settings.DeleteOnDetach && d.State.Lifecycle != SandboxLifecycle.New)
            d.Do(new SandboxEffect.UpdateCatalog(SandboxSummary.Of(d.State)));
        return d.Build();
    }

    private static void DecideInto(DecisionBuilder d, object input, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        // Once the shard is asked to stop us it may still hand us messages it received before; acting
        // on them would be undone by the stop. Back through the region they go, to the next incarnation
        // (dropped on a node shutting down: its region hands shards off, and the sender retries elsewhere).
        if (s.Passivating && input is IWithSandboxId and not StopSandbox)
        {
            if (!f.NodeShuttingDown) d.Do(new SandboxEffect.Reroute());
            return;
        }

        switch (input)
        {
            case Recovered:
                OnRecovered(d, f);
                return;
            case IWithSandboxId when s.Phase == SandboxPhase.Recovering:
                break;   // what it says about itself waits until it knows whether it still runs
            case MakeRoom when !s.MayMakeRoom(f.CheckpointStore):
                // busy again, or gone, since its host chose it: the host stays over by one until a sandbox ends
                if (s.Lifecycle == SandboxLifecycle.New) Passivate(d);
                return;
            case IApiCommand api when api.Access.Check(s) is { } refusal:
                Refuse(d, from, refusal);
                if (s.Lifecycle == SandboxLifecycle.New) Passivate(d);
                return;
            case DescribeSandbox:
                Describe(d, from);
                return;
            case GetSandboxHistory:
                d.Send(from, new SandboxHistory(s.History));
                return;
            case ForkImageTaken m:
                OnForkImageTaken(d, m, f);
                return;
            case GetSandboxInfo:
                d.Send(from, Info(s));
                if (s.Lifecycle == SandboxLifecycle.New) Passivate(d);   // a lookup of an id that never existed
                return;
        }

        switch (s.Phase)
        {
            case SandboxPhase.Recovering:
                if (input is LeftoversRemoved) SettleWithoutContainer(d, f, "its host stopped while it ran, and this run left no checkpoint");
                else Defer(d, input);
                return;
            case SandboxPhase.Starting:
                OnStarting(d, input, f);
                return;
            case SandboxPhase.Restoring:
                OnRestoring(d, input, from, f);
                return;
            case SandboxPhase.Checkpointing:
                OnCheckpointing(d, input, from, f);
                return;
            case SandboxPhase.TearingDown:
                OnTearingDown(d, input);
                return;
        }

        switch (s.Lifecycle)
        {
            case SandboxLifecycle.Running:
                OnRunning(d, input, from, f);
                break;
            case SandboxLifecycle.Paused:
                OnPaused(d, input, from, f);
                break;
            default:
                OnAbsent(d, input, from, f);
                break;
        }
    }

    /// <summary>Keeps commands for later; signals of an operation that is over are dropped.</summary>
    private static void Defer(DecisionBuilder d, object input)
    {
        if (input is IWithSandboxId or ClientGone) d.Do(new SandboxEffect.Defer());
    }

    private static void Refuse(DecisionBuilder d, ClientRef? to, ApiRefusal refusal, string? detail = null) =>
        d.Send(to, new ApiRefused(refusal, detail ?? refusal switch
        {
            ApiRefusal.NotFound => $"No sandbox {d.State.SandboxId} exists for this caller: check the id, or the API key it was created with.",
            ApiRefusal.Forbidden => "This sandbox needs its sandbox token: send it as the X-Sandbox-Token header.",
            _ => $"Sandbox {d.State.SandboxId} cannot do that now.",
        }));

    private static void Describe(DecisionBuilder d, ClientRef? to) => d.Send(to, new SandboxDescription(SandboxSummary.Of(d.State)));

    /// <summary>Ask the shard to stop this actor; until it does, commands go back through the region.</summary>
    private static void Passivate(DecisionBuilder d)
    {
        if (!d.State.Passivating) d.Event(new PassivationRequested());
        d.Do(new SandboxEffect.Passivate());
    }

    private static void Touch(DecisionBuilder d, SandboxFacts f) => d.Event(new Touched(f.Now));

    private static SandboxInfo Info(SandboxState s) =>
        new(s.SandboxId, OperatorStateName(s), s.Node, s.Session is not null, s.ExecutionRunning, s.CreatedAt);

    /// <summary>How operators (sandboxctl, the admin API) name a sandbox's state.</summary>
    public static string OperatorStateName(SandboxState s) => s.Lifecycle switch
    {
        SandboxLifecycle.New => "new",
        SandboxLifecycle.Starting => "starting",
        SandboxLifecycle.Running => "running",
        SandboxLifecycle.Paused => "paused",
        _ => "ended",
    };

    /// <summary>No sandbox here (never created, or ended): the protocol's answers for a missing sandbox.</summary>
    private static void OnAbsent(DecisionBuilder d, object input, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        switch (input)
        {
            case CreateSandbox c when s.Lifecycle == SandboxLifecycle.New:
                OnCreate(d, c, f);
                break;
            case CreateSandbox c:
                d.Send(c.Session, SessionReplies.AlreadyExisted(c.SandboxId));
                break;
            case AttachSandbox a:
                d.Send(a.Session, SessionReplies.NotFound());
                Passivate(d);
                break;
            case AdminCommand:
                d.Send(from, new AdminResult(AdminOutcome.NotFound, $"sandbox {s.SandboxId} not found"));
                if (s.Lifecycle == SandboxLifecycle.New) Passivate(d);
                break;
            case StopSandbox:
                d.Do(new SandboxEffect.Stop());
                break;
            case DetachSession or OutputAck:
                break;
            case PurgeIfEnded p when s.Lifecycle == SandboxLifecycle.Ended && s.EndedAt < p.EndedBefore:
                // past its retention: nobody can ask for it any more
                d.Do(new SandboxEffect.ForgetJournal());
                d.Do(new SandboxEffect.RemoveFromCatalog(s.SandboxId));
                d.Event(new Forgotten());
                Passivate(d);
                break;
            case PurgeIfEnded or ExpireIfDue:
                if (s.Lifecycle == SandboxLifecycle.New) d.Do(new SandboxEffect.RemoveFromCatalog(s.SandboxId));   // a row without a sandbox
                Passivate(d);
                break;
            case IApiCommand when s.Lifecycle == SandboxLifecycle.Ended:
                Refuse(d, from, ApiRefusal.Conflict, $"Sandbox {s.SandboxId} has ended ({s.EndedReason?.ToApiName()}); create a new one.");
                break;
            case IWithSandboxId m:
                d.SendAll(from, SessionReplies.WhenAbsent(m, s.SandboxId, s.Lifecycle == SandboxLifecycle.New ? "NOT_FOUND" : "DELETED"));
                break;
            case RunnerOutput or RunnerExecExited or RunnerExecFailed or RunnerViolated:
                break;   // a stream that outlived its container: nothing to do with it
        }
    }

    /// <summary>
    /// The journal says a container ran, but this incarnation has none: its node died or the actor
    /// restarted. Make sure no copy is left on this node first; then it falls back to its checkpoint.
    /// </summary>
    private static void OnRecovered(DecisionBuilder d, SandboxFacts f)
    {
        var s = d.State;
        if (s.Lifecycle is not (SandboxLifecycle.Starting or SandboxLifecycle.Running)) return;
        d.Log(LogLevel.Warning, $"Sandbox {s.SandboxId} was running on {s.Node ?? "?"} and its container is gone");
        d.Event(new RecoveryBegan());
        d.Do(new SandboxEffect.RemoveLeftovers(s.EffectiveContainerKey));
    }

    /// <summary>
    /// The sandbox has no container any more and did not tear one down itself (its node died, it failed
    /// to start, a checkpoint lost it): it is paused on its latest complete checkpoint if it has one,
    /// and ended otherwise.
    /// </summary>
    private static void SettleWithoutContainer(DecisionBuilder d, SandboxFacts f, string detail, EndedReason reason = EndedReason.HostLost)
    {
        if (d.State.LatestCheckpoint is not null) d.Event(new ContainerLost(detail, f.Now));
        else End(d, f, reason, detail);
        d.Do(new SandboxEffect.Unstash());
        Passivate(d);
    }

    /// <summary>Records the end of a sandbox that has no container (any more).</summary>
    private static void End(DecisionBuilder d, SandboxFacts f, EndedReason reason, string detail)
    {
        var s = d.State;
        d.Event(new Ended(reason, detail, f.Now));
        DeleteStoredImages(d, s);
        d.Do(new SandboxEffect.ReleaseSlot());
    }

    /// <summary>An ended sandbox's images go from the store: its own checkpoint (not one it shares with
    /// its source) and the images it took for its forks.</summary>
    private static void DeleteStoredImages(DecisionBuilder d, SandboxState ended)
    {
        if (ended.LatestCheckpoint is { Shared: false } checkpoint) d.Do(new SandboxEffect.DeleteStoredCheckpoint(checkpoint.Key));
        foreach (var image in ended.ForkImages.Where(k => k != ended.LatestCheckpoint?.Key)) d.Do(new SandboxEffect.DeleteStoredCheckpoint(image));
    }
}
