using System.Text;
using Sandbox.Core.Execution;
using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;
using static Sandbox.Core.Sandboxes.SandboxSignals;

namespace Sandbox.Core.Sandboxes;

/// <summary>The reference protocol's one foreground execution: start, stdin, kill, output, reconnect, acks.</summary>
public static partial class SandboxDecider
{
    private static void OnExecute(DecisionBuilder d, ExecuteCode x, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        Touch(d, f);
        if (s.ExecutionRunning)
        {
            d.Send(from, new StatusEvent(SandboxStatus.ExecutionError, "An execution is already in progress."));
            return;
        }
        var execId = s.NextExecId + 1;
        var (log, running) = ExecutionLog.Begin(execId, s.Foreground?.LastSeq ?? 0);
        d.Event(new ForegroundChanged(log, execId, LastExecKilled: false));
        d.Measure(new Measurement.ExecutionStarted(x.Language));
        d.Do(new SandboxEffect.StartExecution(execId, x.Language, x.Code, x.CloseStdin, f.Limits.OutputWindowBytes));
        Emit(d, running);
        d.Do(new SandboxEffect.StartTimer(Timers.ExecutionLimit, new ExecutionTimeLimitReached(execId), f.Limits.ExecutionTimeLimit));
    }

    private static void OnStdin(DecisionBuilder d, WriteStdin w, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        Touch(d, f);
        if (s.Foreground is null || s.LastExecKilled)
        {
            d.Send(from, new StatusEvent(SandboxStatus.ExecutionError, "No process is running in the sandbox."));
            return;
        }
        if (!s.Foreground.Finished) d.Do(new SandboxEffect.SendStdin(s.Foreground.ExecId, w.Data));
    }

    private static void OnKillProcess(DecisionBuilder d, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        Touch(d, f);
        if (s.Foreground is not { Finished: false } log)
        {
            d.Send(from, new StatusEvent(SandboxStatus.ExecutionForceKilled));
            if (s.Foreground is not null && !s.LastExecKilled) d.Event(new ForegroundChanged(s.Foreground, s.NextExecId, LastExecKilled: true));
            return;
        }
        d.Do(new SandboxEffect.KillExecution(log.ExecId));
        // FORCE_KILLED goes into the execution's own log, so it always precedes that log's DONE.
        var (killed, e) = log.WithStatus(SandboxStatus.ExecutionForceKilled);
        d.Event(new ForegroundChanged(killed, s.NextExecId, LastExecKilled: true));
        Emit(d, e);
    }

    /// <summary>
    /// An execution over a limit is killed like a kill_process (FORCE_KILLED, then DONE), with a line
    /// on its stderr that says which limit; the sandbox itself stays usable.
    /// </summary>
    private static void KillForLimit(DecisionBuilder d, string why)
    {
        var s = d.State;
        if (s.Foreground is not { Finished: false, Killed: false } log) return;
        d.Log(LogLevel.Info, $"Sandbox {s.SandboxId}: execution {log.ExecId} killed: {why}");
        d.Do(new SandboxEffect.KillExecution(log.ExecId));
        var (noted, note) = log.WithOutput(stderr: true, Encoding.UTF8.GetBytes($"\n[sandbox] execution killed: {why}\n"));
        var (killed, status) = noted.WithStatus(SandboxStatus.ExecutionForceKilled);
        d.Event(new ForegroundChanged(killed, s.NextExecId, LastExecKilled: true));
        if (note is not null) Emit(d, note);
        Emit(d, status);
    }

    private static void OnReconnect(DecisionBuilder d, SandboxFacts f)
    {
        var s = d.State;
        Touch(d, f);
        if (s.Foreground is not { } log || log.FullyDelivered)
        {
            d.Send(s.Session, new StatusEvent(SandboxStatus.ExecutionDone));
            return;
        }
        var replay = log.Replay();
        d.Event(new ForegroundChanged(log with { Held = false }, s.NextExecId, s.LastExecKilled));
        foreach (var e in replay) Emit(d, e);
    }

    private static void OnAck(DecisionBuilder d, long seq, SandboxFacts f)
    {
        var s = d.State;
        if (s.Foreground is not { } log) return;
        var acked = log.Acked(seq);
        if (ReferenceEquals(acked, log)) return;
        d.Event(new ForegroundChanged(acked, s.NextExecId, s.LastExecKilled));
        // what the client has taken, the runner may send again: the window is the runner's credit
        GrantCredit(d, log.ExecId, log.UnackedBytes - acked.UnackedBytes);
    }

    /// <summary>
    /// Output of the foreground execution. The runner sends at most the window's worth of bytes no
    /// client has acknowledged; bytes that are in no event yet (half a character) or belong to no
    /// log are given back at once, so only what waits for the client holds the runner back.
    /// </summary>
    private static void OnOutput(DecisionBuilder d, RunnerOutput o, SandboxFacts f)
    {
        var s = d.State;
        if (s.Foreground is not { } log || log.ExecId != o.ExecId)
        {
            GrantCredit(d, o.ExecId, o.Bytes.Length);
            return;
        }
        Touch(d, f);
        d.Measure(new Measurement.OutputStreamed(o.Bytes.Length, o.Stderr));
        var (next, chunk) = log.WithOutput(o.Stderr, o.Bytes);
        d.Event(new ForegroundChanged(next, s.NextExecId, s.LastExecKilled));
        GrantCredit(d, o.ExecId, o.Bytes.Length - (next.UnackedBytes - log.UnackedBytes));
        if (chunk is not null) Emit(d, chunk);
        if (next.OutputBytes > f.Limits.ExecutionOutputLimitBytes)
            KillForLimit(d, $"output limit of {f.Limits.ExecutionOutputLimitBytes} bytes exceeded");
    }

    private static void GrantCredit(DecisionBuilder d, uint execId, long bytes)
    {
        if (bytes > 0) d.Do(new SandboxEffect.GrantOutputCredit(execId, bytes));
    }

    private static void OnExecFailed(DecisionBuilder d, RunnerExecFailed m)
    {
        var s = d.State;
        if (s.Foreground is not { } log || log.ExecId != m.ExecId) return;
        var (noted, note) = log.WithOutput(stderr: true, Encoding.UTF8.GetBytes($"failed to start: {m.Reason}\n"));
        var (done, tail) = noted.Finish();
        d.Event(new ForegroundChanged(done, s.NextExecId, s.LastExecKilled));
        if (note is not null) Emit(d, note);
        foreach (var e in tail) Emit(d, e);
        d.Do(new SandboxEffect.CancelTimer(Timers.ExecutionLimit));
    }

    private static void OnExecExited(DecisionBuilder d, RunnerExecExited m, SandboxFacts f)
    {
        var s = d.State;
        if (s.Foreground is not { } log || log.ExecId != m.ExecId) return;
        Touch(d, f);
        d.Measure(new Measurement.End(Measurement.Operation.Exec));
        var (done, tail) = log.Finish();
        d.Event(new ForegroundChanged(done, s.NextExecId, s.LastExecKilled));
        foreach (var e in tail) Emit(d, e);
        d.Do(new SandboxEffect.CancelTimer(Timers.ExecutionLimit));
    }

    /// <summary>Hands an execution event to the session unless there is none or the log is held.</summary>
    private static void Emit(DecisionBuilder d, ExecutionEvent e)
    {
        var s = d.State;
        if (s.Session is null || s.Foreground is not { Held: false } log) return;
        d.Send(s.Session, e);
        d.Event(new ForegroundChanged(log.MarkEmitted(e.Seq), s.NextExecId, s.LastExecKilled));
    }
}
