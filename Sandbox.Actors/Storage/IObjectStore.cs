namespace Sandbox.Actors.Storage;

/// <summary>
/// Where checkpoints and filesystem snapshots live: a directory (a local disk or a bucket mounted
/// with Cloud Storage FUSE) or Google Cloud Storage itself. Keys are relative paths with '/'.
/// </summary>
public interface IObjectStore
{
    /// <summary>For messages and logs, e.g. <c>dir:/var/lib/…</c> or <c>gs://bucket/prefix</c>.</summary>
    string Description { get; }

    /// <summary>
    /// Stores <paramref name="content"/> under <paramref name="key"/>, replacing any older object. The
    /// object becomes visible only once complete (a renamed temporary file; a GCS upload with a
    /// generation precondition), so a reader never sees a partial one.
    /// </summary>
    Task<StoredObject> PutAsync(string key, Stream content, CancellationToken ct);

    /// <summary>The object's content, or null when there is no such object.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct);

    /// <summary>Removes the object; a missing object is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>Keys that start with <paramref name="prefix"/>.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct);
}
