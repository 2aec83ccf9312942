using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Actors.Storage;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Operations;

/// <summary>
/// Forks: the image of a running source (runner quiesced, container frozen, `runsc checkpoint
/// --leave-running`, the writable layer copied beside the memory image), archived into the
/// checkpoint store while the source already goes on, and kept on this host a while for forks
/// placed here (<see cref="LocalForkImages"/>); then the start of a fork from such an image
/// (restored under the fork's own id and hostname; executions of the reference protocol stay with
/// the source, so the fork's copies are killed).
/// </summary>
public sealed class ForkOperation(RunscCli runsc, IObjectStore store, TimeSpan startTimeout, LocalForkImages local)
{
    public static string KeyFor(string sandboxId, DateTimeOffset at) =>
        $"sandbox_checkpoints/{sandboxId}/fork_{at.ToUnixTimeMilliseconds() * 1_000_000}.tar";

    public async Task<StoredCheckpoint> TakeImageAsync(SandboxContainer source, string sandboxId, DateTimeOffset now)
    {
        var runner = source.Runner;
        var image = source.Bundle.ImageDir;
        var taken = LocalForkImages.DirFor(source.Bundle, now);
        await runner.SyncAsync(quiesce: true);
        var frozen = false;
        Task? thawing = null;
        try
        {
            // frozen, the files cannot move on from the memory image until both are copied
            var freeze = await source.FreezeAsync(true, CancellationToken.None);
            if (!freeze.Ok) throw new RunscException($"the sandbox could not be frozen for the fork: {freeze.Reason}");
            frozen = true;
            OciBundle.TryDelete(image);
            var r = await source.CheckpointLeavingRunningAsync(image, CancellationToken.None);
            if (!r.Ok) throw new RunscException($"runsc checkpoint failed: {r.Reason}");
            Directory.CreateDirectory(taken);
            Directory.Move(image, Path.Combine(taken, "image"));
            await TarArchive.CopyAsync(source.Bundle.Dir, ["upper"], taken);
            // the copy is the fork's: the source goes on while it is archived
            thawing = ThawAsync(source, frozen);
            frozen = false;
            var stored = await TarArchive.CreateAsync(taken, CheckpointArchive.Entries, toleratesChanges: false,
                s => store.PutAsync(KeyFor(sandboxId, now), s, CancellationToken.None), CancellationToken.None);
            local.Keep(stored.Key, taken);
            taken = null;
            return new StoredCheckpoint(stored.Key, stored.Size, stored.Sha256, stored.Generation);
        }
        finally
        {
            await (thawing ?? ThawAsync(source, frozen));
            if (taken is not null) OciBundle.TryDelete(taken);
            OciBundle.TryDelete(image);
        }
    }

    /// <summary>Unfreezes the source (when it was frozen) and lets its runner go on.</summary>
    private static async Task ThawAsync(SandboxContainer source, bool frozen)
    {
        if (frozen) await source.FreezeAsync(false, CancellationToken.None);
        try { await source.Runner.ResumeAfterQuiesceAsync(); }
        catch (Exception) { /* a runner that is gone is noticed by the sandbox through its connection */ }
    }

    public async Task<SandboxContainer> StartAsync(string sandboxId, string containerKey, CheckpointRef image, string hostname)
    {
        var fork = await new RestoreOperation(runsc, store, startTimeout) { Local = local }.RunAsync(sandboxId, containerKey, image, hostname);
        var hello = await fork.Runner.Ready;
        foreach (var p in hello.Running.Where(p => ExecutionProcesses.IsExecution(p.Tag)))
        {
            try { await fork.Runner.SignalAsync(p.ProcessId, RunnerSignal.Kill); }
            catch (RunnerProcessException) { /* it ended meanwhile */ }
        }
        return fork;
    }
}
