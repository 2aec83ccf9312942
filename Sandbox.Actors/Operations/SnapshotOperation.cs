using Sandbox.Actors.Runsc;
using Sandbox.Actors.Storage;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Operations;

/// <summary>
/// Filesystem snapshots: a tar of a sandbox's writable layer (taken after a sync while the sandbox
/// keeps running) stored as <c>filesystem_snapshots/&lt;name&gt;/&lt;name&gt;.tar</c>, and the seed that
/// unpacks one into a new sandbox's writable layer before it is mounted.
/// </summary>
public sealed class SnapshotOperation(IObjectStore? store)
{
    public Task<StoredObject> TakeAsync(SandboxContainer c, string name)
    {
        var s = store ?? throw new InvalidOperationException("Filesystem snapshot is not enabled on the server.");
        // the sandbox keeps running: a file that changes while it is read is taken as it was read
        return TarArchive.CreateAsync(c.Bundle.UpperDir, ["."], toleratesChanges: true,
            t => s.PutAsync(SnapshotNames.Key(name), t, CancellationToken.None), CancellationToken.None);
    }

    /// <summary>For a create from a snapshot: fills the new sandbox's writable layer.</summary>
    public Func<string, Task>? SeedFor(string? name)
    {
        if (name is null) return null;
        return async upper =>
        {
            if (store is null) throw new InvalidOperationException("Filesystem snapshot is not enabled on the server.");
            if (!SnapshotNames.IsValid(name)) throw new InvalidOperationException(SnapshotNames.Rule(name));
            await using var s = await store.OpenReadAsync(SnapshotNames.Key(name), CancellationToken.None)
                                ?? throw new InvalidOperationException($"Filesystem snapshot not found: {name}");
            await TarArchive.ExtractAsync(upper, s, CancellationToken.None);
        };
    }
}
