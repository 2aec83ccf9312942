using System.Net;
using Google;
using Google.Cloud.Storage.V1;

namespace Sandbox.Actors.Storage;

/// <summary>
/// Objects in a Google Cloud Storage bucket, optionally under a key prefix ("checkpoints/").
/// A put is a single upload with a generation precondition: GCS makes an object visible only once
/// its upload is complete, and the precondition makes a replace lose cleanly against a concurrent
/// writer instead of silently overwriting a version it never saw.
/// </summary>
public sealed class GcsObjectStore : IObjectStore, IDisposable
{
    private const string ContentType = "application/octet-stream";
    private const int TempFileBufferSize = 1 << 20;

    private readonly string _bucket;
    private readonly string _prefix;
    private readonly string? _baseUri;
    // PublicationOnly: a failed creation (no credentials yet) is retried on the next call rather
    // than cached forever, and constructing the store never touches credentials at all.
    private readonly Lazy<StorageClient> _client;

    /// <param name="bucket">The bucket name, without <c>gs://</c>.</param>
    /// <param name="prefix">Prepended to every key, e.g. <c>checkpoints/</c>; a missing trailing '/' is added.</param>
    /// <param name="endpoint">
    /// Base URI of an emulator or fake (e.g. <c>http://127.0.0.1:4443/</c>), used without credentials;
    /// null for the real service with Application Default Credentials.
    /// </param>
    public GcsObjectStore(string bucket, string? prefix = null, string? endpoint = null)
    {
        if (string.IsNullOrWhiteSpace(bucket)) throw new ArgumentException("a bucket name is required", nameof(bucket));
        _bucket = bucket.Trim();
        _prefix = NormalizePrefix(prefix);
        _baseUri = endpoint is null ? null : JsonApiBaseUri(endpoint);
        _client = new Lazy<StorageClient>(CreateClient, LazyThreadSafetyMode.PublicationOnly);
    }

    public string Description =>
        $"gs://{_bucket}/{_prefix}" + (_baseUri is null ? "" : $" (via {_baseUri})");

    public async Task<StoredObject> PutAsync(string key, Stream content, CancellationToken ct)
    {
        var name = ObjectName(key);
        // A precondition failure means another writer replaced the object between our read of its
        // generation and the end of our upload. One retry re-reads the generation and sends the
        // content again, which needs a stream we can rewind.
        var startPosition = content.CanSeek ? content.Position : -1;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var expectedGeneration = await CurrentGenerationAsync(name, ct);
                using var hashing = new HashingStream(content);
                var uploaded = await Client.UploadObjectAsync(_bucket, name, ContentType, hashing,
                    new UploadObjectOptions { IfGenerationMatch = expectedGeneration }, ct);
                if (uploaded.Size is { } size && (long)size != hashing.BytesRead)
                    throw new ObjectStoreException(
                        $"GCS stored {size} bytes for {key} in {Description} but {hashing.BytesRead} were sent");
                var generation = uploaded.Generation
                    ?? throw new ObjectStoreException($"GCS returned no generation for {key} in {Description}");
                return new StoredObject(key, hashing.BytesRead, hashing.Sha256Hex(), generation);
            }
            catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.PreconditionFailed && attempt == 1 && content.CanSeek)
            {
                content.Position = startPosition;
            }
            catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.PreconditionFailed)
            {
                throw new ObjectStoreException(
                    $"cannot write {key} to {Description}: another writer replaced it during the upload" +
                    (content.CanSeek ? " (twice)" : " and the content cannot be re-read to retry"), e);
            }
            catch (Exception e) when (IsServiceFailure(e, ct))
            {
                throw Failure("write", key, e);
            }
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        var name = ObjectName(key);
        // Checkpoints can be large, so the download goes to a temporary file that disappears when
        // the caller disposes the stream, instead of to memory.
        var temp = new FileStream(Path.Combine(Path.GetTempPath(), "gcs-read-" + Guid.NewGuid().ToString("N")),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, TempFileBufferSize,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            await Client.DownloadObjectAsync(_bucket, name, temp, options: null, ct);
            await temp.FlushAsync(ct);
            temp.Position = 0;
            return temp;
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
            await temp.DisposeAsync();
            return null;
        }
        catch (Exception e) when (IsServiceFailure(e, ct))
        {
            await temp.DisposeAsync();
            throw Failure("read", key, e);
        }
        catch
        {
            await temp.DisposeAsync();
            throw;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        var name = ObjectName(key);
        try
        {
            await Client.DeleteObjectAsync(_bucket, name, options: null, ct);
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (Exception e) when (IsServiceFailure(e, ct))
        {
            throw Failure("delete", key, e);
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct)
    {
        var keys = new List<string>();
        try
        {
            // The client follows nextPageToken itself as the sequence is enumerated.
            await foreach (var item in Client.ListObjectsAsync(_bucket, _prefix + prefix).WithCancellation(ct))
            {
                var key = item.Name[_prefix.Length..];
                // Zero-length "folder" placeholders (made by the console or gcsfuse) are not objects.
                if (key.Length == 0 || key.EndsWith('/')) continue;
                keys.Add(key);
            }
        }
        catch (Exception e) when (IsServiceFailure(e, ct))
        {
            throw Failure("list", prefix + "*", e);
        }
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
    }

    private StorageClient Client => _client.Value;

    private StorageClient CreateClient()
    {
        try
        {
            return _baseUri is null
                ? StorageClient.Create()
                : new StorageClientBuilder { BaseUri = _baseUri, UnauthenticatedAccess = true }.Build();
        }
        catch (InvalidOperationException e)
        {
            // Typically "The Application Default Credentials are not available".
            throw new ObjectStoreException($"cannot create a GCS client for {Description}: {e.Message}", e);
        }
    }

    /// <summary>0 when the object does not exist, which as a precondition means "must not exist".</summary>
    private async Task<long> CurrentGenerationAsync(string name, CancellationToken ct)
    {
        try
        {
            var current = await Client.GetObjectAsync(_bucket, name, options: null, ct);
            return current.Generation ?? 0;
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return 0;
        }
    }

    private string ObjectName(string key)
    {
        if (string.IsNullOrEmpty(key)) throw new ArgumentException("an object key is required", nameof(key));
        return _prefix + key;
    }

    private static string NormalizePrefix(string? prefix)
    {
        var trimmed = (prefix ?? "").TrimStart('/');
        return trimmed.Length == 0 || trimmed.EndsWith('/') ? trimmed : trimmed + "/";
    }

    /// <summary>
    /// The client wants the JSON API root (<c>…/storage/v1/</c>) as its base URI. Uploads are sent to
    /// the absolute path <c>/upload/storage/v1/…</c> on the same host, so an endpoint with a path
    /// prefix of its own would lose that prefix for uploads; emulators serve from the root.
    /// </summary>
    private static string JsonApiBaseUri(string endpoint)
    {
        var withScheme = endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "http://" + endpoint;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"'{endpoint}' is not an http(s) endpoint", nameof(endpoint));
        var root = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return root.EndsWith("/storage/v1", StringComparison.Ordinal) ? root + "/" : root + "/storage/v1/";
    }

    /// <summary>
    /// Failures of the service or of the way to it. Cancellation the caller asked for is not one;
    /// a timeout inside the HTTP client (a cancellation nobody asked for) is.
    /// </summary>
    private static bool IsServiceFailure(Exception e, CancellationToken ct) => e switch
    {
        ObjectStoreException => false,
        OperationCanceledException => !ct.IsCancellationRequested,
        // IOException includes the client's "Incorrect hash" when downloaded bytes fail validation.
        GoogleApiException or HttpRequestException or IOException => true,
        _ => false,
    };

    private ObjectStoreException Failure(string action, string key, Exception e)
    {
        var reason = e switch
        {
            GoogleApiException g when g.HttpStatusCode != 0 => $"HTTP {(int)g.HttpStatusCode} {g.Error?.Message ?? g.Message}",
            OperationCanceledException => "the request timed out",
            _ => e.Message,
        };
        return new ObjectStoreException($"cannot {action} {key} in {Description}: {reason}", e);
    }
}
