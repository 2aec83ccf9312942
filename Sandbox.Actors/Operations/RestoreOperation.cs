using Sandbox.Actors.Runsc;
using Sandbox.Actors.Storage;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Operations;

/// <summary>
/// Fetches a checkpoint archive, checks its size and SHA-256 against what the journal recorded,
/// unpacks image and writable layer into the sandbox's own bundle path (restore needs the path the
/// checkpoint was taken with) and `runsc restore`s it; a fork's image taken on this host is copied
/// from <see cref="LocalForkImages"/> instead. Anything wrong leaves no container and no bundle behind.
/// </summary>
public sealed class RestoreOperation(RunscCli runsc, IObjectStore store, TimeSpan startTimeout)
{
    /// <summary>Images taken on this host that a restore may use instead of the store's copy (forks).</summary>
    public LocalForkImages? Local { get; init; }

    /// <param name="newHostname">Set for a fork: the restored sandbox takes this hostname (and fresh entropy).</param>
    public async Task<SandboxContainer> RunAsync(string sandboxId, string containerKey, CheckpointRef checkpoint, string? newHostname = null)
    {
        await SandboxContainer.DestroyLeftoversAsync(runsc, containerKey);
        var bundle = new OciBundle(runsc.Options, containerKey);
        try
        {
            Directory.CreateDirectory(bundle.Dir);
            // the unpacked writable layer goes onto its size-limited mount, as when it was taken
            if (!runsc.Options.ReadonlyFilesystem) bundle.PrepareWritableLayer();
            if (Local is null || !await Local.TryCopyIntoAsync(checkpoint.Key, bundle))
                await UnpackAsync(sandboxId, checkpoint, bundle);
            return await SandboxContainer.RestoreAsync(runsc, bundle, bundle.ImageDir, startTimeout, CancellationToken.None, newHostname);
        }
        catch (Exception e)
        {
            bundle.Destroy();
            OciBundle.TryDelete(runsc.Options.RootDirFor(containerKey));
            throw e is RunscException or ObjectStoreException ? e : new RunscException(e.Message);
        }
    }

    private async Task UnpackAsync(string sandboxId, CheckpointRef checkpoint, OciBundle bundle)
    {
        await using var stream = await store.OpenReadAsync(checkpoint.Key, CancellationToken.None)
                                 ?? throw new RunscException($"Latest checkpoint not found for sandbox {sandboxId}");
        using var hashing = new HashingStream(stream);
        try
        {
            await TarArchive.ExtractAsync(bundle.Dir, hashing, CancellationToken.None);
        }
        catch (IOException) when (hashing.BytesRead != checkpoint.Size)
        {
            // fall through to the integrity check, which names the problem
        }
        if (hashing.BytesRead != checkpoint.Size || hashing.Sha256Hex() != checkpoint.Sha256)
            throw new RunscException($"the checkpoint image is corrupt (expected {checkpoint.Size} bytes with sha256 {checkpoint.Sha256[..12]}…)");
    }
}
