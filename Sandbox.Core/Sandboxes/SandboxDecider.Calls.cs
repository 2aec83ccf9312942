using Sandbox.Core.Calls;
using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Core.Sandboxes;

/// <summary>
/// Calls into the running sandbox (files, processes, terminals): performed by the effects against
/// the runner, which answer the caller themselves. A paused sandbox is restored for them first
/// (API-v1 §1: every route resumes transparently); a restore that fails refuses them, once.
/// </summary>
public static partial class SandboxDecider
{
    private static void OnCallRunning(DecisionBuilder d, ISandboxCall call, ClientRef? from, SandboxFacts f)
    {
        // a listing is what GET /v1/sandboxes/{id} asks to count processes: looking is not activity,
        // or a dashboard that polls would keep every sandbox from its idle timeout
        if (call is not SandboxCalls.ListProcesses) Touch(d, f);
        d.Do(new SandboxEffect.PerformCall(call, from));
    }

    private static void OnCallPaused(DecisionBuilder d, ISandboxCall call, ClientRef? from, SandboxFacts f)
    {
        if (IsRelease(call)) return;   // no transfer survives a checkpoint: nothing to let go of
        if (call is SandboxCalls.ListProcesses { Peek: true })
        {
            // it paused between the description and the count: looking does not wake it
            Refuse(d, from, ApiRefusal.Conflict, $"Sandbox {d.State.SandboxId} is paused.");
            return;
        }
        if (!f.CheckpointStore)
        {
            Refuse(d, from, ApiRefusal.Conflict, $"Sandbox {d.State.SandboxId} is paused and this server cannot restore it: checkpointing is not enabled.");
            return;
        }
        BeginRestore(d, f, session: null);
        d.Event(new CallAwaitsRestore(new PendingCall(call, from)));
    }

    /// <summary>Calls that only let go of something: answered without bringing the sandbox back.</summary>
    private static bool IsRelease(ISandboxCall call) => call is SandboxCalls.EndTransfer;

    private static void OnCallRestoring(DecisionBuilder d, ISandboxCall call, ClientRef? from) =>
        d.Event(new CallAwaitsRestore(new PendingCall(call, from)));

    /// <summary>The restore is done: the calls that waited for it go ahead, in the order they came.</summary>
    private static void PerformAwaitingCalls(DecisionBuilder d, IReadOnlyList<PendingCall> calls)
    {
        foreach (var c in calls) d.Do(new SandboxEffect.PerformCall(c.Call, c.ReplyTo));
    }

    private static void RefuseAwaitingCalls(DecisionBuilder d, IReadOnlyList<PendingCall> calls, string why)
    {
        foreach (var c in calls) Refuse(d, c.ReplyTo, ApiRefusal.Failed, why);
    }
}
