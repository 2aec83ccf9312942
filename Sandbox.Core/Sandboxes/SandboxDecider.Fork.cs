using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;
using static Sandbox.Core.Sandboxes.SandboxSignals;

namespace Sandbox.Core.Sandboxes;

/// <summary>
/// Forks (API-v1 §5): the source hands out an image of its memory, processes and files, and the
/// gateway creates the forks from it (each restores it under its own id, hostname and network
/// lease, wherever it is placed). A paused source hands out its checkpoint without waking up.
/// </summary>
public static partial class SandboxDecider
{
    public const int MaxForks = 16;

    private static void OnForkRunning(DecisionBuilder d, ForkSandbox m, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        if (ForkRefusal(s, m, f) is { } why)
        {
            Refuse(d, from, why.Kind, why.Detail);
            return;
        }
        if (s.ForkInFlight)
        {
            Defer(d, m);   // one image at a time; the next fork gets its own moment
            return;
        }
        Touch(d, f);
        d.Log(LogLevel.Info, $"Sandbox {s.SandboxId}: taking an image for {m.Count} fork(s)");
        d.Event(new ForkBegan(from, m.Count));
        d.Do(new SandboxEffect.TakeForkImage());
    }

    private static void OnForkPaused(DecisionBuilder d, ForkSandbox m, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        if (ForkRefusal(s, m, f) is { } why)
        {
            Refuse(d, from, why.Kind, why.Detail);
            return;
        }
        d.Event(new Forked(m.Count, f.Now));
        // its checkpoint is the image; the reference's foreground execution stays with the source
        d.Send(from, new ForkImage(s.LatestCheckpoint! with { Execution = null, Shared = true }, s.Settings));
    }

    private static ApiRefused? ForkRefusal(SandboxState s, ForkSandbox m, SandboxFacts f) =>
        m.Count is < 1 or > MaxForks ? new ApiRefused(ApiRefusal.Invalid, $"count must be between 1 and {MaxForks}.")
        : !f.CheckpointStore ? new ApiRefused(ApiRefusal.Conflict, "Forks need checkpoint storage, which is not enabled on this server.")
        : s.Settings.DeleteOnDetach ? new ApiRefused(ApiRefusal.Conflict, $"Sandbox {s.SandboxId} is a one-shot sandbox and cannot be forked.")
        : null;

    /// <summary>The image is stored (or failed): whoever asked hears it, whatever the source does meanwhile.</summary>
    private static void OnForkImageTaken(DecisionBuilder d, ForkImageTaken m, SandboxFacts f)
    {
        var s = d.State;
        if (!s.ForkInFlight) return;
        var replyTo = s.ForkReplyTo;
        d.Event(new ForkEnded());
        d.Do(new SandboxEffect.Unstash());
        if (m.Stored is not { } stored)
        {
            d.Log(LogLevel.Warning, $"Sandbox {s.SandboxId}: the image for its forks failed: {m.Failure}");
            Refuse(d, replyTo, ApiRefusal.Failed, $"The fork of sandbox {s.SandboxId} failed: {m.Failure}. The sandbox runs on; try again.");
            return;
        }
        d.Event(new Forked(s.ForkCount, f.Now) { ImageKey = stored.Key });
        d.Send(replyTo, new ForkImage(new CheckpointRef(stored.Key, stored.Size, stored.Sha256, stored.Generation) { Shared = true }, s.Settings));
    }

    /// <summary>A fork's own hostname: code in it can tell it from its source and its siblings.</summary>
    public static string ForkHostname(string sandboxId) => sandboxId.Length > 63 ? sandboxId[..63] : sandboxId;
}
