using Sandbox.Core.Calls;
using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;
using static Sandbox.Core.Sandboxes.SandboxSignals;

namespace Sandbox.Core.Sandboxes;

/// <summary>Checkpoints, restores and filesystem snapshots.</summary>
public static partial class SandboxDecider
{
    private static bool CanCheckpoint(SandboxState s, SandboxFacts f) => s.Settings.EnableCheckpoint && f.CheckpointStore && s.HasContainer;

    private static void OnCheckpointRequest(DecisionBuilder d, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        Touch(d, f);
        d.Send(from, new StatusEvent(SandboxStatus.Checkpointing));
        if (!s.Settings.EnableCheckpoint || !f.CheckpointStore)
        {
            d.SendAll(from, SessionReplies.CheckpointRefused(
                $"Failed to checkpoint sandbox {s.SandboxId}: Sandbox {s.SandboxId} is not configured for checkpointing."));
            return;
        }
        // A running execution is no reason to refuse: its processes live inside the sandbox (the
        // runner's children), so it is checkpointed with them and goes on after the restore.
        BeginCheckpoint(d, f, CheckpointKind.Client, replyTo: from, @operator: null);
    }

    /// <summary>
    /// Quiesce the runner (it syncs, stops reading executions and hands over every whole frame before
    /// it answers), then `runsc checkpoint` (which stops the container) and one archive committed to the
    /// store. If storing fails the image is still here and the sandbox is restored on the spot, so a
    /// failed checkpoint never costs the client its sandbox.
    /// </summary>
    private static void BeginCheckpoint(DecisionBuilder d, SandboxFacts f, CheckpointKind kind, ClientRef? replyTo, ClientRef? @operator)
    {
        var s = d.State;
        d.Measure(new Measurement.Begin(Measurement.Operation.Checkpoint));
        d.Do(new SandboxEffect.CancelTimer(Timers.Idle));
        var syncId = s.LastSyncId + 1;
        d.Event(new CheckpointBegan(new CheckpointInFlight(kind, replyTo, @operator, syncId)));
        // Output that arrives from now on is kept for the restored sandbox's client, not sent: what the
        // checkpoint carries over must be exactly what no client has seen.
        if (s.Foreground is { } log) d.Event(new ForegroundChanged(log with { Held = true }, s.NextExecId, s.LastExecKilled));
        d.Do(new SandboxEffect.SyncRunner(syncId, Quiesce: true));
        d.Do(new SandboxEffect.StartTimer(Timers.Quiesce, new QuiesceTimedOut(syncId), f.Limits.QuiesceTimeout));
    }

    private static void OnCheckpointing(DecisionBuilder d, object input, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        var c = s.Checkpoint!;
        switch (input)
        {
            case RunnerSynced m when m.SyncId == c.SyncId:
            case QuiesceTimedOut t when t.SyncId == c.SyncId:
                if (c.Started) return;
                d.Do(new SandboxEffect.CancelTimer(Timers.Quiesce));
                d.Event(new CheckpointProgressed(c with { Started = true }));
                d.Do(new SandboxEffect.TakeCheckpoint());
                break;
            case RunnerSynced m when m.SyncId == s.SnapshotSyncId:
                OnSnapshotSynced(d);
                break;
            case RunnerOutput o:
                OnOutput(d, o, f);
                break;
            case RunnerExecExited m:
                OnExecExited(d, m, f);
                break;
            case RunnerExecFailed m:
                OnExecFailed(d, m);
                break;
            case RunnerStreamEnded:
                Progress(d, f, c with { StreamEnded = true });
                break;
            case CheckpointStored m:
                Progress(d, f, c with { Stored = m.Stored, LeaseBytes = m.LeaseBytes });
                break;
            case CheckpointFailed m:
                OnCheckpointFailed(d, f, m);
                break;
            case SnapshotDone m:
                OnSnapshotDone(d, m);
                break;
            case OutputAck a when s.Foreground is { } log:
                d.Event(new ForegroundChanged(log.Acked(a.Seq), s.NextExecId, s.LastExecKilled));
                break;
            case ContainerExited or RunnerViolated:
                break;   // `runsc checkpoint` stops the container: that exit is the checkpoint's (and a restore gets a new connection)
            default:
                Defer(d, input);
                break;
        }
    }

    /// <summary>Frames that still arrive until the runner's stream ends belong to the checkpoint too,
    /// so it completes only once both the archive is stored and the stream has ended.</summary>
    private static void Progress(DecisionBuilder d, SandboxFacts f, CheckpointInFlight c)
    {
        d.Event(new CheckpointProgressed(c));
        if (c.Complete) OnCheckpointStored(d, f, c);
    }

    private static void OnCheckpointStored(DecisionBuilder d, SandboxFacts f, CheckpointInFlight c)
    {
        var s = d.State;
        var o = c.Stored!;
        var carry = s.Foreground is { FullyDelivered: false } log ? log.CarryOver(s.NextExecId, s.LastExecKilled) : null;
        var previous = s.LatestCheckpoint;
        // an API pause answers its caller with the description; a session attached to it hears the close
        var session = c.Kind == CheckpointKind.Pause ? s.Session : s.Session ?? c.ReplyTo;
        var key = s.EffectiveContainerKey;
        d.Event(new CheckpointTaken(o.Key, o.Size, o.Sha256, o.Generation, f.Now, carry) { Kind = c.Kind, NetworkTotal = s.NetworkBytesBefore + c.LeaseBytes });
        if (previous is { Shared: false } && previous.Key != o.Key) d.Do(new SandboxEffect.DeleteStoredCheckpoint(previous.Key));
        d.Log(LogLevel.Info, $"Sandbox {s.SandboxId} checkpointed to {o.Key} ({o.Size} bytes)");
        d.Measure(new Measurement.End(Measurement.Operation.Checkpoint));
        d.Send(c.Operator, new AdminResult(AdminOutcome.Done, $"checkpointed to {o.Key} ({o.Size} bytes)"));
        d.Do(new SandboxEffect.ContainerGone(key));
        d.SendAll(session, SessionReplies.Checkpointed(clientAsked: c.Kind == CheckpointKind.Client));
        if (s.Session is not null) d.Do(new SandboxEffect.Unwatch(s.Session));
        d.Do(new SandboxEffect.CancelTimer(Timers.ExecutionLimit));
        d.Do(new SandboxEffect.CancelTimer(Timers.Ttl));
        if (c.Kind == CheckpointKind.Pause) Describe(d, c.ReplyTo);
        d.Do(new SandboxEffect.Unstash());
        if (c.Kind == CheckpointKind.Shutdown) d.Do(new SandboxEffect.Stop());
        else Passivate(d);
    }

    private static void OnCheckpointFailed(DecisionBuilder d, SandboxFacts f, CheckpointFailed m)
    {
        var s = d.State;
        var c = s.Checkpoint!;
        var session = c.Kind == CheckpointKind.Pause ? s.Session : s.Session ?? c.ReplyTo;
        d.Log(LogLevel.Warning, $"Sandbox {s.SandboxId}: checkpoint failed: {m.Reason}");
        d.Measure(new Measurement.Fail(Measurement.Operation.Checkpoint, SandboxStatus.CheckpointError));
        var message = $"Failed to checkpoint sandbox {s.SandboxId}: {m.Reason}";
        d.Send(c.Operator, new AdminResult(AdminOutcome.Failed, message));
        if (c.Kind == CheckpointKind.Pause)
            Refuse(d, c.ReplyTo, ApiRefusal.Failed, m.StillRunning
                ? $"{message}. The sandbox was not paused and keeps running."
                : $"{message}. The sandbox's container was lost; it falls back to its previous checkpoint if it has one.");
        if (m.StillRunning)
        {
            // a container restored on the spot comes back resumed; otherwise the runner was quiesced for nothing
            if (!m.RestoredOnTheSpot) d.Do(new SandboxEffect.ResumeRunner());
            d.Event(new CheckpointAbandoned());
            // the client goes on where it was: send what was held back while the checkpoint ran
            if (s.Foreground is { } log)
            {
                var held = log.NotEmitted();
                d.Event(new ForegroundChanged(log with { Held = false }, s.NextExecId, s.LastExecKilled));
                foreach (var e in held) Emit(d, e);
            }
            Touch(d, f);
            if (s.Settings.IdleTimeoutSeconds is { } idle && idle > 0)
                d.Do(new SandboxEffect.StartTimer(Timers.Idle, IdleCheck.Instance, TimeSpan.FromSeconds(idle)));
            d.Do(new SandboxEffect.Unstash());
            if (c.Kind == CheckpointKind.Client) d.Send(session, new StatusEvent(SandboxStatus.CheckpointError, message));
            if (c.Kind == CheckpointKind.Shutdown)
                Teardown(d, f, EndedReason.Evicted, "stopped; checkpoint failed", SessionReplies.Ending.Deleted, AfterTeardown.StopNow);
            return;
        }
        // The container is gone; the previous checkpoint, if any, is still the sandbox's latest.
        d.Do(new SandboxEffect.ContainerGone(s.EffectiveContainerKey));
        d.SendAll(session, SessionReplies.CheckpointLostContainer(message));
        if (s.Session is not null) d.Do(new SandboxEffect.Unwatch(s.Session));
        d.Do(new SandboxEffect.CancelTimer(Timers.ExecutionLimit));
        SettleWithoutContainer(d, f, $"a checkpoint failed and took the container: {m.Reason}", EndedReason.RuntimeFailed);
    }

    /// <summary>Fetch, verify and unpack the latest checkpoint and `runsc restore` it; a restore is
    /// always admitted where the sandbox's shard lives.</summary>
    private static void BeginRestore(DecisionBuilder d, SandboxFacts f, ClientRef? session, ClientRef? replyTo = null)
    {
        var s = d.State;
        if (!f.CheckpointStore)
        {
            var why = $"Failed to restore sandbox {s.SandboxId}: checkpointing is not enabled on this server.";
            d.Send(session, new SandboxRejected(SandboxStatus.RestoreError, why, CloseCodes.ApplicationError));
            Refuse(d, replyTo, ApiRefusal.Conflict, why);
            return;
        }
        d.Log(LogLevel.Info, $"Restoring sandbox {s.SandboxId} from {s.LatestCheckpoint!.Key}");
        d.Do(new SandboxEffect.AdmitRestore());
        d.Measure(new Measurement.Begin(Measurement.Operation.Restore));
        d.Event(new RestoreBegan(session, replyTo));
        d.Do(new SandboxEffect.RestoreContainer(s.LatestCheckpoint, s.EffectiveContainerKey));
    }

    private static void OnRestoring(DecisionBuilder d, object input, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        switch (input)
        {
            case ContainerStarted { Restored: true }:
                d.Measure(new Measurement.End(Measurement.Operation.Restore));
                var session = s.RestoringFor;
                var replyTo = s.ResumeReplyTo;
                d.Event(new Restored(f.Node, f.Now) { ByApi = session is null });
                d.Log(LogLevel.Info, $"Sandbox {s.SandboxId} restored on {f.Node}");
                GoLive(d, f, session, restored: true);
                Describe(d, replyTo);
                PerformAwaitingCalls(d, s.AwaitingRestore);
                break;
            case ContainerFailed { Restore: true } m:
                d.Log(LogLevel.Warning, $"Sandbox {s.SandboxId} failed to restore: {m.Reason}");
                d.Measure(new Measurement.Fail(Measurement.Operation.Restore, SandboxStatus.RestoreError));
                d.Send(s.RestoringFor, new SandboxRejected(SandboxStatus.RestoreError, $"Failed to restore sandbox {s.SandboxId}: {m.Reason}", CloseCodes.ApplicationError));
                Refuse(d, s.ResumeReplyTo, ApiRefusal.Failed, $"Failed to resume sandbox {s.SandboxId}: {m.Reason}. It stays paused on its checkpoint.");
                RefuseAwaitingCalls(d, s.AwaitingRestore, $"Sandbox {s.SandboxId} is paused and could not be resumed for this call: {m.Reason}. Try again.");
                d.Event(new RestoreFailed());
                d.Do(new SandboxEffect.ReleaseSlot());
                d.Do(new SandboxEffect.Unstash());
                break;
            case AttachSandbox a when a.Session == s.RestoringFor:
                break;   // a re-sent attach of the session the restore is for
            case ISandboxCall call:
                OnCallRestoring(d, call, from);
                break;
            case ResumeSandbox when s.ResumeReplyTo is null:
                // the first resume while an attach restores it: answer it too, once running
                d.Event(new RestoreBegan(s.RestoringFor, from));
                break;
            default:
                Defer(d, input);
                break;
        }
    }

    private static void OnSnapshotRequest(DecisionBuilder d, SnapshotFilesystem m, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        Touch(d, f);
        d.Send(from, new StatusEvent(SandboxStatus.FilesystemSnapshotCreating));
        string? refusal = null;
        if (!f.SnapshotStore) refusal = "Filesystem snapshot is not enabled on the server.";
        else if (m.Name is null || !SnapshotNames.IsValid(m.Name)) refusal = SnapshotNames.Rule(m.Name);
        else if (f.ReadonlyFilesystem) refusal = "the sandbox has a read-only filesystem; there is nothing to snapshot.";
        else if (s.SnapshotName is not null) refusal = "another snapshot of this sandbox is in progress.";
        if (refusal is not null || from is null)
        {
            d.Send(from, new StatusEvent(SandboxStatus.FilesystemSnapshotError, $"Failed to snapshot filesystem for sandbox {s.SandboxId}: {refusal}"));
            return;
        }
        // The runner syncs first, so the sandbox's buffered writes have reached the writable layer.
        var syncId = s.LastSyncId + 1;
        d.Event(new SnapshotBegan(syncId, m.Name!, from));
        d.Do(new SandboxEffect.SyncRunner(syncId, Quiesce: false));
    }

    private static void OnSnapshotSynced(DecisionBuilder d)
    {
        var s = d.State;
        d.Event(new SnapshotSynced());
        d.Do(new SandboxEffect.TakeSnapshot(s.SnapshotName!, s.SnapshotReplyTo!));
    }

    private static void OnSnapshotDone(DecisionBuilder d, SnapshotDone m)
    {
        var s = d.State;
        d.Event(new SnapshotFinished());
        if (m.Error is null)
        {
            d.Log(LogLevel.Info, $"Sandbox {s.SandboxId}: filesystem snapshot {m.Name} created");
            d.Send(m.ReplyTo, new StatusEvent(SandboxStatus.FilesystemSnapshotCreated));
        }
        else d.Send(m.ReplyTo, new StatusEvent(SandboxStatus.FilesystemSnapshotError, $"Failed to snapshot filesystem for sandbox {s.SandboxId}: {m.Error}"));
    }
}
