using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;
using static Sandbox.Core.Sandboxes.SandboxSignals;

namespace Sandbox.Core.Sandboxes;

/// <summary>Creating, starting, attaching, detaching and ending.</summary>
public static partial class SandboxDecider
{
    private static void OnCreate(DecisionBuilder d, CreateSandbox c, SandboxFacts f)
    {
        // Admission first: a full or draining host creates nothing, and the gateway places the
        // sandbox on another host under a new id.
        if (f.Admission is { } refusal)
        {
            d.Log(LogLevel.Info, $"Sandbox {c.SandboxId} refused on {f.Node}: {refusal.Reason}");
            d.Send(c.Session, new HostRefusedCreate(c.SandboxId, f.Node, refusal.Reason, refusal.Busy));
            Passivate(d);
            return;
        }
        if (NetworkOfCreate(d, c, f) is not { } settings) return;
        if (f.MakeRoomBy is { } victim) d.Do(new SandboxEffect.PauseForRoom(victim));
        d.Measure(new Measurement.Begin(Measurement.Operation.Create));
        d.Event(new Created(c.SandboxId, c.TokenSha256, settings, f.Now) { Owner = c.Owner });
        d.Event(new CreateAccepted(c.Session));
        d.Log(LogLevel.Info, c.Settings.Fork is { } fork ? $"Creating sandbox {c.SandboxId} as a fork of {fork.SourceId}" : $"Creating sandbox {c.SandboxId}");
        if (c.Settings.Fork is { } origin)
            d.Do(new SandboxEffect.StartFork(origin.Image, d.State.EffectiveContainerKey, ForkHostname(c.SandboxId)));
        else d.Do(new SandboxEffect.StartContainer(c.Settings.FilesystemSnapshotName));
    }

    private static void OnStarting(DecisionBuilder d, object input, SandboxFacts f)
    {
        var s = d.State;
        switch (input)
        {
            case ContainerStarted m:
                d.Measure(new Measurement.End(Measurement.Operation.Create));
                var creator = s.Creator!;
                d.Event(new Started(f.Node, f.Now, m.ContainerKey));
                GoLive(d, f, creator, restored: false);
                break;
            case ContainerFailed m:
                d.Log(LogLevel.Warning, $"Sandbox {s.SandboxId} failed to start: {m.Reason}");
                d.Measure(new Measurement.Fail(Measurement.Operation.Create, SandboxStatus.CreationError));
                d.Send(s.Creator, new SandboxRejected(SandboxStatus.CreationError, $"Failed to create gVisor container: {m.Reason}", CloseCodes.ApplicationError));
                SettleWithoutContainer(d, f, m.Reason, EndedReason.RuntimeFailed);
                break;
            case CreateSandbox c when c.Session == s.Creator:
                break;   // the gateway re-sent its create while the container starts: it hears once it runs
            default:
                Defer(d, input);
                break;
        }
    }

    /// <summary>A container runs for this sandbox: register it, serve the session, keep the idle timer.</summary>
    private static void GoLive(DecisionBuilder d, SandboxFacts f, ClientRef? session, bool restored)
    {
        var s = d.State;
        d.Do(new SandboxEffect.ContainerRunning(s.EffectiveContainerKey));
        if (session is not null) Attach(d, f, session, restored);
        Touch(d, f);
        if (s.Settings.IdleTimeoutSeconds is { } idle && idle > 0)
            d.Do(new SandboxEffect.StartTimer(Timers.Idle, IdleCheck.Instance, TimeSpan.FromSeconds(idle)));
        StartTtlTimer(d, f);
        d.Do(new SandboxEffect.Unstash());
    }

    private static void StartTtlTimer(DecisionBuilder d, SandboxFacts f)
    {
        if (d.State.ExpiresAt is not { } at) d.Do(new SandboxEffect.CancelTimer(Timers.Ttl));
        else d.Do(new SandboxEffect.StartTimer(Timers.Ttl, TtlCheck.Instance, at > f.Now ? at - f.Now : TimeSpan.Zero));
    }

    private static void OnTtlCheck(DecisionBuilder d, SandboxFacts f)
    {
        var s = d.State;
        if (s.ExpiresAt is not { } at) return;
        if (f.Now < at)
        {
            StartTtlTimer(d, f);   // moved on since the timer was set
            return;
        }
        d.Log(LogLevel.Info, $"Sandbox {s.SandboxId}: its TTL passed");
        Teardown(d, f, EndedReason.TtlExpired, $"its lifetime ended at {at:u}", SessionReplies.Ending.Deleted, AfterTeardown.Passivate);
    }

    private static void OnSetTtl(DecisionBuilder d, SetSandboxTtl t, ClientRef? from, SandboxFacts f)
    {
        if (!(t.Seconds > 0) || double.IsInfinity(t.Seconds))
        {
            Refuse(d, from, ApiRefusal.Invalid, "ttl_seconds must be a number of seconds greater than 0.");
            return;
        }
        d.Event(new TtlChanged(f.Now.AddSeconds(Math.Min(t.Seconds, 10 * 365 * 24 * 3600.0)), f.Now));
        if (d.State.Lifecycle == SandboxLifecycle.Running) StartTtlTimer(d, f);
        Describe(d, from);
    }

    private static void Attach(DecisionBuilder d, SandboxFacts f, ClientRef session, bool restored)
    {
        var s = d.State;
        if (s.Session != session)
        {
            d.Event(new SessionAttached(session));
            d.Do(new SandboxEffect.Watch(session));
        }
        // After an attach, live execution events wait in the log until the client says `reconnect`
        // (then they are replayed after a fresh RUNNING) or starts something new.
        if (s.Foreground is { } log && log.Held != !log.FullyDelivered)
            d.Event(new ForegroundChanged(log with { Held = !log.FullyDelivered }, s.NextExecId, s.LastExecKilled));
        d.Send(session, new SandboxAttached(s.SandboxId, restored));
        Touch(d, f);
    }

    /// <summary>With API keys, another key's sandbox answers a reference attach like an unknown one.</summary>
    private static bool OwnedByAnother(SandboxState s, AttachSandbox a) => s.Owner is not null && a.Caller is not null && a.Caller != s.Owner;

    private static void OnAttachRunning(DecisionBuilder d, AttachSandbox a, SandboxFacts f)
    {
        var s = d.State;
        if (OwnedByAnother(s, a))
        {
            d.Send(a.Session, SessionReplies.NotFound());
            return;
        }
        Touch(d, f);
        if (!s.TokenMatches(a.TokenSha256))
        {
            d.Send(a.Session, SessionReplies.InvalidToken());
            return;
        }
        if (s.Session is { } current && current != a.Session)
        {
            if (!s.Settings.EnableHandoff)
            {
                d.Send(a.Session, SessionReplies.InUse());
                return;
            }
            HandOff(d, current);
        }
        Attach(d, f, a.Session, restored: false);
    }

    /// <summary>A second valid attach of a handoff-enabled sandbox takes the session over; the first
    /// client's execution is force-killed and its tail belongs to nobody now.</summary>
    private static void HandOff(DecisionBuilder d, ClientRef old)
    {
        var s = d.State;
        var running = s.ExecutionRunning;
        d.SendAll(old, SessionReplies.HandedOff(running));
        d.Do(new SandboxEffect.Unwatch(old));
        d.Event(new SessionDetached());
        if (running)
        {
            d.Do(new SandboxEffect.KillExecution(s.Foreground!.ExecId));
            d.Event(new ForegroundChanged(null, s.NextExecId, LastExecKilled: true));
        }
    }

    private static void OnDetach(DecisionBuilder d, ClientRef session, SandboxFacts f, string why)
    {
        var s = d.State;
        if (s.Session != session) return;
        d.Log(LogLevel.Debug, $"Session detached from {s.SandboxId}: {why}");
        d.Do(new SandboxEffect.Unwatch(session));
        d.Event(new SessionDetached());
        Touch(d, f);
        if (s.Settings.DeleteOnDetach) Teardown(d, f, EndedReason.Killed, "one-shot session ended", SessionReplies.Ending.Silent, AfterTeardown.Passivate);
    }

    /// <summary>
    /// Records the end, tells the attached client (its answer does not wait for the teardown), then
    /// kills the container and removes its mount and bundle before the actor stops. If the node dies
    /// in between, its container registry is swept at the next start.
    /// </summary>
    private static void Teardown(DecisionBuilder d, SandboxFacts f, EndedReason reason, string detail, SessionReplies.Ending ending,
        AfterTeardown after, string? error = null)
    {
        var s = d.State;
        var session = s.Session;
        d.Event(new Ended(reason, detail, f.Now));
        d.Event(new TeardownBegan(new TeardownPlan(after)));
        d.SendAll(session, SessionReplies.Teardown(ending, s.ExecutionRunning, error));
        if (session is not null) d.Do(new SandboxEffect.Unwatch(session));
        d.Do(new SandboxEffect.CancelTimer(Timers.Idle));
        d.Do(new SandboxEffect.CancelTimer(Timers.ExecutionLimit));
        DeleteStoredImages(d, s);
        d.Do(new SandboxEffect.CancelTimer(Timers.Ttl));
        d.Log(LogLevel.Info, $"Sandbox {s.SandboxId} deleted ({detail})");
        d.Do(new SandboxEffect.DestroyContainer());
    }

    private static void OnTearingDown(DecisionBuilder d, object input)
    {
        var s = d.State;
        switch (input)
        {
            case ContainerDestroyed m:
                if (m.Error is not null)
                {
                    d.Log(LogLevel.Error, $"Sandbox {s.SandboxId}: teardown failed ({m.Error}); the node's registry keeps it for the next sweep");
                    d.Do(new SandboxEffect.ReleaseSlot());
                }
                else d.Do(new SandboxEffect.ContainerGone(s.EffectiveContainerKey));
                var after = s.Teardown?.After ?? AfterTeardown.Passivate;
                d.Event(new TeardownFinished());
                d.Do(new SandboxEffect.Unstash());
                if (after == AfterTeardown.StopNow) d.Do(new SandboxEffect.Stop());
                else if (after == AfterTeardown.Passivate) Passivate(d);
                break;
            case OutputAck or ContainerExited or RunnerViolated or RunnerOutput or RunnerExecExited or RunnerExecFailed or RunnerSynced or RunnerStreamEnded:
                break;
            default:
                Defer(d, input);
                break;
        }
    }

    private static void OnContainerExited(DecisionBuilder d, SandboxFacts f, string reason)
    {
        d.Log(LogLevel.Warning, $"Sandbox {d.State.SandboxId}: {reason}");
        d.Measure(new Measurement.ErrorReported(SandboxStatus.Error));
        Teardown(d, f, EndedReason.RuntimeFailed, reason, SessionReplies.Ending.ContainerDied, AfterTeardown.Passivate, error: reason);
    }

    private static void OnIdleCheck(DecisionBuilder d, SandboxFacts f)
    {
        var s = d.State;
        if (s.Settings.IdleTimeoutSeconds is not { } seconds || seconds <= 0) return;
        var limit = TimeSpan.FromSeconds(seconds);
        var idleFor = f.Now - s.LastActivity;
        if (idleFor < limit)
        {
            d.Do(new SandboxEffect.StartTimer(Timers.Idle, IdleCheck.Instance, limit - idleFor));
            return;
        }
        if (s.ExecutionRunning)
        {
            d.Do(new SandboxEffect.StartTimer(Timers.Idle, IdleCheck.Instance, limit));   // never expire mid-execution
            return;
        }
        if (s.Settings.PausesWhenIdle && CanCheckpoint(s, f))
        {
            d.Log(LogLevel.Info, $"Sandbox {s.SandboxId} idle for {idleFor.TotalSeconds:0.#} s: checkpointing");
            BeginCheckpoint(d, f, CheckpointKind.Idle, replyTo: null, @operator: null);
            return;
        }
        d.Log(LogLevel.Info, $"Sandbox {s.SandboxId} idle for {idleFor.TotalSeconds:0.#} s: deleting");
        Teardown(d, f, EndedReason.IdleTimeout, "idle timeout", SessionReplies.Ending.Deleted, AfterTeardown.Passivate);
    }
}
