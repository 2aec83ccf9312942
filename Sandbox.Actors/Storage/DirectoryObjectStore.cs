namespace Sandbox.Actors.Storage;

/// <summary>
/// Objects as files under a directory: a local disk, or a bucket mounted with Cloud Storage FUSE.
/// A put writes a temporary file beside the target, flushes it to disk and renames it into place.
/// </summary>
public sealed class DirectoryObjectStore : IObjectStore
{
    private const string TempMarker = ".partial-";
    private readonly string _root;

    public DirectoryObjectStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public string Description => "dir:" + _root;

    public async Task<StoredObject> PutAsync(string key, Stream content, CancellationToken ct)
    {
        var path = PathOf(key);
        var temp = path + TempMarker + Guid.NewGuid().ToString("N");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var hashing = new HashingStream(content);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                await hashing.CopyToAsync(file, 1 << 20, ct);
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            return new StoredObject(key, hashing.BytesRead, hashing.Sha256Hex(), File.GetLastWriteTimeUtc(path).Ticks);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new ObjectStoreException($"cannot write {key} to {Description}: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        try
        {
            return Task.FromResult<Stream?>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ObjectStoreException($"cannot read {key} from {Description}: {e.Message}", e);
        }
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        TryDelete(PathOf(key));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct)
    {
        if (!Directory.Exists(_root)) return Task.FromResult<IReadOnlyList<string>>([]);
        var keys = Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !k.Contains(TempMarker))
            .Order(StringComparer.Ordinal)
            .ToList();
        return Task.FromResult<IReadOnlyList<string>>(keys);
    }

    private string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(_root, key));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"key '{key}' escapes the store");
        return path;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
