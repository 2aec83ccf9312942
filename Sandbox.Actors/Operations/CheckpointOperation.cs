using Sandbox.Actors.Runsc;
using Sandbox.Actors.Storage;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Operations;
/// <summary>
/// `runsc checkpoint` of a quiesced sandbox (which stops its container), then one archive of memory
/// image and writable layer committed to the store. If storing fails the image is still on this
/// host, so the sandbox is restored on the spot: a failed checkpoint never costs the client its sandbox.
/// </summary>
public sealed class CheckpointOperation(RunscCli runsc, IObjectStore store, TimeSpan startTimeout)
{
    /// <summary>Runs before a restore on the spot (the sandbox's network takes a new lease for it).</summary>
    public Func<Task>? BeforeRestoreOnTheSpot { get; init; }

    public async Task<CheckpointOutcome> RunAsync(SandboxContainer c, string sandboxId, DateTimeOffset now)
    {
        OciBundle.TryDelete(c.Bundle.ImageDir);
        var r = await c.TakeImageAsync(c.Bundle.ImageDir, CancellationToken.None);
        if (!r.Ok) return new CheckpointOutcome(null, r.Reason, StillRunning: true, Container: null);
        // the image is complete and nothing writes to the layer any more: archive them while runsc
        // stops the container and frees its id (each takes about 100 ms)
        var released = c.ReleaseAfterCheckpointAsync();
        try
        {
            var stored = await TarArchive.CreateAsync(c.Bundle.Dir, CheckpointArchive.Entries, toleratesChanges: false,
                s => store.PutAsync(CheckpointArchive.KeyFor(sandboxId, now), s, CancellationToken.None), CancellationToken.None);
            if (await released is { } stuck)
            {
                await store.DeleteAsync(stored.Key, CancellationToken.None);
                return new CheckpointOutcome(null, stuck.Reason, StillRunning: true, Container: null);
            }
            return new CheckpointOutcome(new StoredCheckpoint(stored.Key, stored.Size, stored.Sha256, stored.Generation), null, false, null);
        }
        catch (Exception e)
        {
            var reason = e.GetBaseException().Message;
            try
            {
                if (await released is { } stuck) return new CheckpointOutcome(null, $"{reason}; {stuck.Reason}", StillRunning: true, Container: null);
                if (BeforeRestoreOnTheSpot is { } renew) await renew();
                var back = await SandboxContainer.RestoreAsync(runsc, c.Bundle, c.Bundle.ImageDir, startTimeout, CancellationToken.None);
                return new CheckpointOutcome(null, reason, StillRunning: true, Container: back);
            }
            catch (Exception e2)
            {
                c.Bundle.Destroy();
                return new CheckpointOutcome(null, $"{reason}; bringing the sandbox back failed too: {e2.GetBaseException().Message}", false, null);
            }
        }
    }
}
