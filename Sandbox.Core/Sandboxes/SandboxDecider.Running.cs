using Sandbox.Core.Calls;
using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;
using static Sandbox.Core.Sandboxes.SandboxSignals;

namespace Sandbox.Core.Sandboxes;

/// <summary>A sandbox whose container runs and that has no operation in flight; and a paused one.</summary>
public static partial class SandboxDecider
{
    private static void OnRunning(DecisionBuilder d, object input, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        switch (input)
        {
            case PauseSandbox or CheckpointSandbox or SnapshotFilesystem or StopSandbox when s.ForkInFlight:
                Defer(d, input);   // after the fork's image: the container is frozen for it
                break;
            case IdleCheck when s.ForkInFlight:
                d.Do(new SandboxEffect.StartTimer(Timers.Idle, IdleCheck.Instance, TimeSpan.FromSeconds(5)));
                break;
            case AttachSandbox a:
                OnAttachRunning(d, a, f);
                break;
            case CreateSandbox c when c.Session == s.Session:
                d.Send(c.Session, new SandboxAttached(s.SandboxId, Restored: false));   // a re-sent create of the session it serves
                break;
            case CreateSandbox c:
                d.Send(c.Session, SessionReplies.AlreadyExisted(c.SandboxId));
                break;
            case DetachSession m:
                OnDetach(d, m.Session, f, "client left");
                break;
            case ClientGone g:
                OnDetach(d, g.Client, f, "session terminated");
                break;
            case ExecuteCode x:
                OnExecute(d, x, from, f);
                break;
            case ISandboxCall call:
                OnCallRunning(d, call, from, f);
                break;
            case WriteStdin w:
                OnStdin(d, w, from, f);
                break;
            case KillProcess:
                OnKillProcess(d, from, f);
                break;
            case Reconnect:
                OnReconnect(d, f);
                break;
            case OutputAck a:
                OnAck(d, a.Seq, f);
                break;
            case KillSandbox:
                Touch(d, f);
                Teardown(d, f, EndedReason.Killed, "killed by client", SessionReplies.Ending.KilledByClient, AfterTeardown.Passivate);
                break;
            case CheckpointSandbox:
                OnCheckpointRequest(d, from, f);
                break;
            case SnapshotFilesystem m:
                OnSnapshotRequest(d, m, from, f);
                break;
            case AdminCommand c:
                OnAdmin(d, c, from, f);
                break;
            case StopSandbox:
                // Hand-off (node leaving) or passivation: checkpoint or tear down, and stop at once; the
                // shard waits for our termination, so asking it to passivate us would hang the hand-off.
                if (CanCheckpoint(s, f)) BeginCheckpoint(d, f, CheckpointKind.Shutdown, replyTo: null, @operator: null);
                else Teardown(d, f, EndedReason.Evicted, "stopped", SessionReplies.Ending.Deleted, AfterTeardown.StopNow);
                break;
            case IdleCheck:
                OnIdleCheck(d, f);
                break;
            case TtlCheck:
                OnTtlCheck(d, f);
                break;
            case DeleteSandbox:
                Touch(d, f);
                Teardown(d, f, EndedReason.Killed, "deleted through the API", SessionReplies.Ending.Deleted, AfterTeardown.Passivate);
                Describe(d, from);
                break;
            case ForkSandbox fork:
                OnForkRunning(d, fork, from, f);
                break;
            case PauseSandbox when !CanCheckpoint(s, f):
                Refuse(d, from, ApiRefusal.Conflict, CheckpointsOffDetail(s, f));
                break;
            case PauseSandbox:
                BeginCheckpoint(d, f, CheckpointKind.Pause, replyTo: from, @operator: null);
                break;
            case ResumeSandbox:
                Describe(d, from);   // it runs already
                break;
            case MakeRoom:
                d.Log(LogLevel.Info, $"Sandbox {s.SandboxId}: pausing, its host needs the memory (idle since {s.LastActivity:O})");
                BeginCheckpoint(d, f, CheckpointKind.MakeRoom, replyTo: null, @operator: null);
                break;
            case SetSandboxTtl t:
                Touch(d, f);
                OnSetTtl(d, t, from, f);
                break;
            case SetSandboxNetwork n:
                OnSetNetwork(d, n, from, f);
                break;
            case ExecutionTimeLimitReached t when s.Foreground?.ExecId == t.ExecId:
                KillForLimit(d, $"wall-clock limit of {f.Limits.ExecutionTimeLimit.TotalSeconds:0.#} s exceeded");
                break;
            case RunnerOutput o:
                OnOutput(d, o, f);
                break;
            case RunnerExecFailed m:
                OnExecFailed(d, m);
                break;
            case RunnerExecExited m:
                OnExecExited(d, m, f);
                break;
            case RunnerSynced m when m.SyncId == s.SnapshotSyncId:
                OnSnapshotSynced(d);
                break;
            case SnapshotDone m:
                OnSnapshotDone(d, m);
                break;
            case FreezeDone m:
                d.Send(m.ReplyTo, new AdminResult(m.Ok ? AdminOutcome.Done : AdminOutcome.Failed, m.Reason));
                break;
            case ContainerExited m:
                OnContainerExited(d, f, m.Reason);
                break;
            case RunnerViolated v:
                OnContainerExited(d, f, $"The sandbox was stopped because its runner broke the protocol: {v.Reason}.");
                break;
        }
    }

    private static string CheckpointsOffDetail(SandboxState s, SandboxFacts f) => !f.CheckpointStore
        ? "Checkpoints are not enabled on this server, so sandboxes cannot be paused."
        : $"Sandbox {s.SandboxId} was created without enable_checkpoint, so it cannot be paused; create it with \"enable_checkpoint\": true.";

    /// <summary>Paused: no container; the next valid attach (or an API call that needs it) restores it here (§9.6).</summary>
    private static void OnPaused(DecisionBuilder d, object input, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        switch (input)
        {
            case AttachSandbox a when OwnedByAnother(s, a):
                d.Send(a.Session, SessionReplies.NotFound());
                break;
            case ResumeSandbox:
                BeginRestore(d, f, session: null, replyTo: from);
                break;
            case PauseSandbox:
                Describe(d, from);   // paused already
                break;
            case DeleteSandbox:
                End(d, f, EndedReason.Killed, "deleted through the API");
                Describe(d, from);
                Passivate(d);
                break;
            case SetSandboxTtl t:
                OnSetTtl(d, t, from, f);
                break;
            case SetSandboxNetwork n:
                OnSetNetwork(d, n, from, f);
                break;
            case ExpireIfDue when s.Settings.TtlCountsPaused && s.ExpiresAt is { } at && f.Now >= at:
                End(d, f, EndedReason.TtlExpired, $"its lifetime ended at {at:u} while it was paused");
                Passivate(d);
                break;
            case ExpireIfDue:
                Passivate(d);
                break;
            case AttachSandbox a:
                // The token is checked before anything is restored (the reference restored first, §14).
                if (!s.TokenMatches(a.TokenSha256))
                {
                    d.Send(a.Session, SessionReplies.InvalidToken());
                    return;
                }
                d.Send(a.Session, new StatusEvent(SandboxStatus.Restoring));
                BeginRestore(d, f, a.Session);
                break;
            case AdminCommand { Action: AdminAction.Delete }:
                d.Send(from, new AdminResult(AdminOutcome.Done, ""));
                End(d, f, EndedReason.DeletedByOperator, "deleted by operator");
                Passivate(d);
                break;
            case AdminCommand:
                d.Send(from, new AdminResult(AdminOutcome.WrongState, $"sandbox {s.SandboxId} is paused (checkpointed), not running"));
                break;
            case CreateSandbox c:
                d.Send(c.Session, SessionReplies.AlreadyExisted(c.SandboxId));
                break;
            case StopSandbox:
                d.Do(new SandboxEffect.Stop());
                break;
            case ISandboxCall call:
                OnCallPaused(d, call, from, f);
                break;
            case ForkSandbox fork:
                OnForkPaused(d, fork, from, f);
                break;
            case DetachSession or OutputAck:
                break;
            case IWithSandboxId m:
                d.SendAll(from, SessionReplies.WhenAbsent(m, s.SandboxId, "CHECKPOINTED"));
                break;
        }
    }

    private static void OnAdmin(DecisionBuilder d, AdminCommand c, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        switch (c.Action)
        {
            case AdminAction.Suspend or AdminAction.Resume when from is not null:
                d.Do(new SandboxEffect.FreezeContainer(c.Action == AdminAction.Suspend, from));
                break;
            case AdminAction.Checkpoint when !CanCheckpoint(s, f):
                d.Send(from, new AdminResult(AdminOutcome.WrongState,
                    $"sandbox {s.SandboxId} is not configured for checkpointing (or the server has no checkpoint storage)"));
                break;
            case AdminAction.Checkpoint:
                BeginCheckpoint(d, f, CheckpointKind.Client, replyTo: null, @operator: from);
                break;
            case AdminAction.Delete:
                d.Send(from, new AdminResult(AdminOutcome.Done, ""));
                Teardown(d, f, EndedReason.DeletedByOperator, "deleted by operator", SessionReplies.Ending.Deleted, AfterTeardown.Passivate);
                break;
        }
    }
}
