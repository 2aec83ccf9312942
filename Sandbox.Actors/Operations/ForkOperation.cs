using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Actors.Storage;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Operations;

/// <summary>
/// Forks: the image of a running source (runner quiesced, container frozen, `runsc checkpoint
/// --leave-running`, memory image and writable layer archived into the checkpoint store, then the
/// source goes on), and the start of a fork from such an image (restored under the fork's own id
/// and hostname; executions of the reference protocol stay with the source, so the fork's copies
/// are killed).
/// </summary>
public sealed class ForkOperation(RunscCli runsc, IObjectStore store, TimeSpan startTimeout)
{
    public static string KeyFor(string sandboxId, DateTimeOffset at) =>
        $"sandbox_checkpoints/{sandboxId}/fork_{at.ToUnixTimeMilliseconds() * 1_000_000}.tar";

    public async Task<StoredCheckpoint> TakeImageAsync(SandboxContainer source, string sandboxId, DateTimeOffset now)
    {
        var runner = source.Runner;
        var image = source.Bundle.ImageDir;
        await runner.SyncAsync(quiesce: true);
        var frozen = false;
        try
        {
            // frozen, the files cannot move on from the memory image while both are archived
            var freeze = await source.FreezeAsync(true, CancellationToken.None);
            if (!freeze.Ok) throw new RunscException($"the sandbox could not be frozen for the fork: {freeze.Reason}");
            frozen = true;
            OciBundle.TryDelete(image);
            var r = await source.CheckpointLeavingRunningAsync(image, CancellationToken.None);
            if (!r.Ok) throw new RunscException($"runsc checkpoint failed: {r.Reason}");
            var stored = await TarArchive.CreateAsync(source.Bundle.Dir, CheckpointArchive.Entries, toleratesChanges: false,
                s => store.PutAsync(KeyFor(sandboxId, now), s, CancellationToken.None), CancellationToken.None);
            return new StoredCheckpoint(stored.Key, stored.Size, stored.Sha256, stored.Generation);
        }
        finally
        {
            if (frozen) await source.FreezeAsync(false, CancellationToken.None);
            OciBundle.TryDelete(image);
            try { await runner.ResumeAfterQuiesceAsync(); }
            catch (Exception) { /* a runner that is gone is noticed by the sandbox through its connection */ }
        }
    }

    public async Task<SandboxContainer> StartAsync(string sandboxId, string containerKey, CheckpointRef image, string hostname)
    {
        var fork = await new RestoreOperation(runsc, store, startTimeout).RunAsync(sandboxId, containerKey, image, hostname);
        var hello = await fork.Runner.Ready;
        foreach (var p in hello.Running.Where(p => ExecutionProcesses.IsExecution(p.Tag)))
        {
            try { await fork.Runner.SignalAsync(p.ProcessId, RunnerSignal.Kill); }
            catch (RunnerProcessException) { /* it ended meanwhile */ }
        }
        return fork;
    }
}
