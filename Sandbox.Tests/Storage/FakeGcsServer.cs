using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Sandbox.Tests.Storage;

/// <summary>
/// A FAKE of Google Cloud Storage's JSON API, for tests only: an in-process Kestrel server on
/// 127.0.0.1 that keeps objects in memory. It answers just what <c>Google.Cloud.Storage.V1</c>'s
/// StorageClient sends for uploads (media, multipart and resumable, including chunked
/// Content-Range uploads), object metadata, media downloads, deletes and listings, with GCS's
/// generation numbers, <c>ifGenerationMatch</c> preconditions (412) and CRC32C/MD5 hashes. Anything
/// else answers 501 so a test notices when the client starts doing something new.
/// It is not an emulator: no auth, no ACLs, no buckets to create (every bucket name exists), no
/// metageneration changes, no versioning of old generations.
/// </summary>
public sealed class FakeGcsServer : IAsyncDisposable
{
    private const string JsonRoot = "/storage/v1/b/";
    private const string UploadRoot = "/upload/storage/v1/b/";
    private const string DownloadRoot = "/download/storage/v1/b/";

    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly Dictionary<(string Bucket, string Name), StoredObject> _objects = new();
    private readonly Dictionary<string, UploadSession> _sessions = new();
    private readonly ConcurrentQueue<string> _requests = new();
    // Real generations are microsecond timestamps; any strictly increasing number satisfies the client.
    private long _lastGeneration = 1_700_000_000_000_000;

    private FakeGcsServer(WebApplication app) => _app = app;

    /// <summary>Where the fake listens, e.g. <c>http://127.0.0.1:40123/</c>; the store appends <c>storage/v1/</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>When set, every upload request (initiation and chunks) answers 503, as a GCS outage would.</summary>
    public bool FailUploads { get; set; }

    /// <summary>
    /// When set, a resumable session that has received at least this many bytes answers 503 to
    /// every further request, as a GCS outage in the middle of a large upload would.
    /// </summary>
    public long? FailUploadsAfterReceiving { get; set; }

    /// <summary>Most items in one page of a listing; small values make the client follow page tokens.</summary>
    public int ListPageSize { get; set; } = 1000;

    /// <summary>
    /// Called with (bucket, name) once an upload's last byte has arrived, just before its precondition
    /// is checked and it is committed; a test can write a competing version here to stage a race.
    /// </summary>
    public Action<string, string>? BeforeUploadIsCommitted { get; set; }

    /// <summary>"METHOD path?query" of every request received, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public static async Task<FakeGcsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            // A resumable chunk is 10 MiB by default and a simple upload can be any size.
            kestrel.Limits.MaxRequestBodySize = null;
        });
        var fake = new FakeGcsServer(builder.Build());
        fake._app.Run(fake.HandleAsync);
        await fake._app.StartAsync();
        var address = fake._app.Urls.Single();
        fake.Endpoint = new Uri(address.EndsWith('/') ? address : address + "/");
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// The stored bytes of an object, or null. This is the live array: changing it corrupts the
    /// object while its recorded hashes stay as they were, the way a bad disk would.
    /// </summary>
    public byte[]? RawBytes(string bucket, string name)
    {
        lock (_gate) return _objects.TryGetValue((bucket, name), out var o) ? o.Content : null;
    }

    public long? GenerationOf(string bucket, string name)
    {
        lock (_gate) return _objects.TryGetValue((bucket, name), out var o) ? o.Generation : null;
    }

    /// <summary>Names of the objects in <paramref name="bucket"/>, in ordinal order.</summary>
    public IReadOnlyList<string> ObjectNames(string bucket)
    {
        lock (_gate) return _objects.Keys.Where(k => k.Bucket == bucket).Select(k => k.Name).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Writes an object directly, as another client would; returns its generation.</summary>
    public long WriteObject(string bucket, string name, byte[] content)
    {
        lock (_gate) return Commit(bucket, name, content, "application/octet-stream").Generation;
    }

    private async Task HandleAsync(HttpContext http)
    {
        // The raw target keeps %2F inside object names intact; Request.Path would already be decoded
        // in ways that make "a/b" and "a%2Fb" hard to tell apart.
        var rawTarget = http.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var queryStart = rawTarget.IndexOf('?');
        var path = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        _requests.Enqueue($"{http.Request.Method} {rawTarget}");
        try
        {
            await RouteAsync(http, path);
        }
        catch (FakeGcsError e)
        {
            await WriteErrorAsync(http, e.Status, e.Reason, e.Message);
        }
    }

    private Task RouteAsync(HttpContext http, string path)
    {
        var method = http.Request.Method;
        if (TrySplit(path, UploadRoot, out var bucket, out var name) && name is null)
        {
            if (FailUploads) throw new FakeGcsError(503, "backendError", "FailUploads is set on the fake");
            if (HttpMethods.IsPost(method)) return StartUploadAsync(http, bucket);
            if (HttpMethods.IsPut(method)) return ContinueResumableUploadAsync(http, bucket);
        }
        else if (TrySplit(path, DownloadRoot, out bucket, out name) && name is not null && HttpMethods.IsGet(method))
        {
            return DownloadAsync(http, bucket, name);
        }
        else if (TrySplit(path, JsonRoot, out bucket, out name))
        {
            if (name is null && HttpMethods.IsGet(method)) return ListAsync(http, bucket);
            if (name is not null && HttpMethods.IsGet(method))
                return http.Request.Query["alt"] == "media" ? DownloadAsync(http, bucket, name) : GetMetadataAsync(http, bucket, name);
            if (name is not null && HttpMethods.IsDelete(method)) return DeleteAsync(http, bucket, name);
        }
        throw new FakeGcsError(501, "notImplemented", $"FakeGcsServer does not implement {method} {path}");
    }

    /// <summary>Splits <c>{root}{bucket}/o[/{object}]</c>; the object name is percent-decoded, '/' included.</summary>
    private static bool TrySplit(string path, string root, out string bucket, out string? name)
    {
        bucket = "";
        name = null;
        if (!path.StartsWith(root, StringComparison.Ordinal)) return false;
        var rest = path[root.Length..];
        var slash = rest.IndexOf('/');
        if (slash <= 0) return false;
        bucket = Uri.UnescapeDataString(rest[..slash]);
        var objects = rest[(slash + 1)..];
        if (objects == "o") return true;
        if (!objects.StartsWith("o/", StringComparison.Ordinal) || objects.Length == 2) return false;
        name = Uri.UnescapeDataString(objects[2..]);
        return true;
    }

    // ---- uploads -------------------------------------------------------------------------------

    private async Task StartUploadAsync(HttpContext http, string bucket)
    {
        var query = http.Request.Query;
        switch (query["uploadType"].ToString())
        {
            case "media":
            {
                var name = query["name"].ToString();
                if (name.Length == 0) throw new FakeGcsError(400, "required", "uploadType=media needs ?name=");
                var content = await ReadBodyAsync(http.Request);
                await FinishUploadAsync(http, bucket, name, http.Request.ContentType ?? "application/octet-stream",
                    content, Preconditions.From(query), http.Request.Headers["x-goog-hash"]);
                return;
            }
            case "multipart":
            {
                var (metadata, content, contentType) = await ReadMultipartAsync(http.Request);
                var name = NameFrom(query, metadata);
                await FinishUploadAsync(http, bucket, name, contentType, content, Preconditions.From(query), http.Request.Headers["x-goog-hash"]);
                return;
            }
            case "resumable":
            {
                var metadata = await ReadJsonBodyAsync(http.Request);
                var name = NameFrom(query, metadata);
                var preconditions = Preconditions.From(query);
                var contentType = http.Request.Headers["X-Upload-Content-Type"].ToString() is { Length: > 0 } declared
                    ? declared
                    : StringProperty(metadata, "contentType") ?? "application/octet-stream";
                var id = Guid.NewGuid().ToString("N");
                lock (_gate)
                {
                    // GCS checks preconditions when the session starts as well as when it ends, so a
                    // doomed upload fails before any data is sent.
                    preconditions.Check(Existing(bucket, name));
                    _sessions[id] = new UploadSession(bucket, name, contentType, preconditions);
                }
                http.Response.Headers.Location = $"{http.Request.Scheme}://{http.Request.Host}{UploadRoot}{Uri.EscapeDataString(bucket)}/o?uploadType=resumable&upload_id={id}";
                http.Response.StatusCode = 200;
                return;
            }
            default:
                throw new FakeGcsError(400, "invalidParameter", $"unsupported uploadType '{query["uploadType"]}'");
        }
    }

    /// <summary>
    /// A PUT to a resumable session URI: a chunk (<c>bytes a-b/*</c> or <c>bytes a-b/total</c>), the
    /// final empty request (<c>bytes */total</c>), a status query (<c>bytes */*</c>) or, without a
    /// Content-Range, the whole content at once. Unfinished sessions answer 308 with the Range received.
    /// </summary>
    private async Task ContinueResumableUploadAsync(HttpContext http, string bucket)
    {
        var id = http.Request.Query["upload_id"].ToString();
        UploadSession? session;
        lock (_gate) _sessions.TryGetValue(id, out session);
        if (session is null || session.Bucket != bucket) throw new FakeGcsError(404, "notFound", $"no upload session '{id}'");
        lock (session)
        {
            if (session.Received.Length >= FailUploadsAfterReceiving)
                throw new FakeGcsError(503, "backendError", $"FailUploadsAfterReceiving={FailUploadsAfterReceiving} is set on the fake");
        }

        var body = await ReadBodyAsync(http.Request);
        var range = ContentRange.Parse(http.Request.Headers[HeaderNames.ContentRange].ToString(), body.Length);
        long received;
        lock (session)
        {
            if (range.First is { } first)
            {
                if (first > session.Received.Length)
                    throw new FakeGcsError(400, "invalid", $"chunk starts at {first} but only {session.Received.Length} bytes were received");
                if (range.Last - first + 1 != body.Length)
                    throw new FakeGcsError(400, "invalid", $"Content-Range covers {range.Last - first + 1} bytes but the body has {body.Length}");
                // A client that resends after a lost response repeats bytes the session already has.
                var alreadyHave = (int)(session.Received.Length - first);
                if (alreadyHave < body.Length) session.Received.Write(body, alreadyHave, body.Length - alreadyHave);
            }
            received = session.Received.Length;
        }
        if (range.Total is not { } total || received < total)
        {
            http.Response.StatusCode = 308;
            if (received > 0) http.Response.Headers[HeaderNames.Range] = $"bytes=0-{received - 1}";
            return;
        }
        if (received != total)
            throw new FakeGcsError(400, "invalid", $"upload declares {total} bytes but {received} were received");
        lock (_gate) _sessions.Remove(id);
        await FinishUploadAsync(http, session.Bucket, session.Name, session.ContentType, session.Received.ToArray(),
            session.Preconditions, http.Request.Headers["x-goog-hash"]);
    }

    private async Task FinishUploadAsync(HttpContext http, string bucket, string name, string contentType, byte[] content,
        Preconditions preconditions, string? declaredHashes)
    {
        // The client sends the CRC32C of the whole object with the last request and GCS refuses the
        // object when it does not match, so a corrupted upload never becomes visible.
        foreach (var declared in (declaredHashes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (algorithm, expected) = (declared[..Math.Max(0, declared.IndexOf('='))], declared[(declared.IndexOf('=') + 1)..]);
            var actual = algorithm switch
            {
                "crc32c" => Crc32c.Base64(content),
                "md5" => Convert.ToBase64String(MD5.HashData(content)),
                _ => null,
            };
            if (actual is not null && actual != expected)
                throw new FakeGcsError(400, "invalid", $"Provided {algorithm} \"{expected}\" doesn't match calculated {algorithm} \"{actual}\".");
        }
        BeforeUploadIsCommitted?.Invoke(bucket, name);
        StoredObject stored;
        lock (_gate)
        {
            preconditions.Check(Existing(bucket, name));
            stored = Commit(bucket, name, content, contentType);
        }
        await WriteJsonAsync(http, 200, ObjectResource(stored));
    }

    // ---- reads, deletes, listings --------------------------------------------------------------

    private Task GetMetadataAsync(HttpContext http, string bucket, string name)
    {
        var stored = Require(bucket, name, Preconditions.From(http.Request.Query));
        return WriteJsonAsync(http, 200, ObjectResource(stored));
    }

    private async Task DownloadAsync(HttpContext http, string bucket, string name)
    {
        var stored = Require(bucket, name, Preconditions.From(http.Request.Query));
        var response = http.Response;
        // The client checks the downloaded bytes against the CRC32C in x-goog-hash; it is the hash
        // recorded at upload, so bytes changed afterwards are caught.
        response.Headers["x-goog-hash"] = $"crc32c={stored.Crc32c},md5={stored.Md5}";
        response.Headers["x-goog-generation"] = stored.Generation.ToString();
        response.Headers["x-goog-metageneration"] = "1";
        response.Headers["x-goog-stored-content-length"] = stored.Content.Length.ToString();
        response.Headers["x-goog-stored-content-encoding"] = "identity";
        response.Headers.ETag = $"\"{stored.Md5}\"";
        response.ContentType = stored.ContentType;

        var (offset, count) = (0L, (long)stored.Content.Length);
        if (stored.Content.Length > 0 && RangeHeaderValue.TryParse(http.Request.Headers[HeaderNames.Range].ToString(), out var range) && range.Ranges.Count == 1)
        {
            var r = range.Ranges.Single();
            var length = stored.Content.Length;
            long from = r.From ?? Math.Max(0, length - (r.To ?? 0));
            long to = r.From is null ? length - 1 : Math.Min(r.To ?? length - 1, length - 1);
            if (from >= length && length > 0)
                throw new FakeGcsError(416, "requestedRangeNotSatisfiable", $"range starts at {from} but the object has {length} bytes");
            (offset, count) = (from, Math.Max(0, to - from + 1));
            response.StatusCode = 206;
            response.Headers[HeaderNames.ContentRange] = $"bytes {from}-{to}/{length}";
        }
        response.ContentLength = count;
        await response.Body.WriteAsync(stored.Content.AsMemory((int)offset, (int)count), http.RequestAborted);
    }

    private Task DeleteAsync(HttpContext http, string bucket, string name)
    {
        var preconditions = Preconditions.From(http.Request.Query);
        lock (_gate)
        {
            if (!_objects.ContainsKey((bucket, name))) throw NotFound(bucket, name);
            preconditions.Check(Existing(bucket, name));
            _objects.Remove((bucket, name));
        }
        http.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    private Task ListAsync(HttpContext http, string bucket)
    {
        var query = http.Request.Query;
        if (query.ContainsKey("delimiter"))
            throw new FakeGcsError(501, "notImplemented", "FakeGcsServer does not implement listings with a delimiter");
        var prefix = query["prefix"].ToString();
        var after = query["pageToken"].ToString() is { Length: > 0 } token ? Encoding.UTF8.GetString(Convert.FromBase64String(token)) : null;
        var pageSize = int.TryParse(query["maxResults"], out var max) && max > 0 ? Math.Min(max, ListPageSize) : ListPageSize;

        List<StoredObject> matching;
        lock (_gate)
        {
            matching = _objects.Values
                .Where(o => o.Bucket == bucket && o.Name.StartsWith(prefix, StringComparison.Ordinal))
                .Where(o => after is null || string.CompareOrdinal(o.Name, after) > 0)
                .OrderBy(o => o.Name, StringComparer.Ordinal)
                .Take(pageSize + 1)
                .ToList();
        }
        var page = matching.Take(pageSize).ToList();
        var body = new Dictionary<string, object?> { ["kind"] = "storage#objects" };
        if (page.Count > 0) body["items"] = page.Select(ObjectResource).ToList();
        // The token is opaque to the client; here it is simply the last name returned.
        if (matching.Count > pageSize) body["nextPageToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1].Name));
        return WriteJsonAsync(http, 200, body);
    }

    // ---- storage -------------------------------------------------------------------------------

    private StoredObject? Existing(string bucket, string name) => _objects.GetValueOrDefault((bucket, name));

    private StoredObject Require(string bucket, string name, Preconditions preconditions)
    {
        lock (_gate)
        {
            var stored = Existing(bucket, name) ?? throw NotFound(bucket, name);
            preconditions.Check(stored);
            return stored;
        }
    }

    /// <summary>Must be called holding <see cref="_gate"/>; every write gets a new, larger generation.</summary>
    private StoredObject Commit(string bucket, string name, byte[] content, string contentType)
    {
        var stored = new StoredObject(bucket, name, content, contentType, ++_lastGeneration, DateTimeOffset.UtcNow,
            Crc32c.Base64(content), Convert.ToBase64String(MD5.HashData(content)));
        _objects[(bucket, name)] = stored;
        return stored;
    }

    private static FakeGcsError NotFound(string bucket, string name) =>
        new(404, "notFound", $"No such object: {bucket}/{name}");

    /// <summary>The JSON object resource; 64-bit numbers are strings, as in the real API.</summary>
    private static Dictionary<string, object?> ObjectResource(StoredObject o)
    {
        var escapedName = Uri.EscapeDataString(o.Name);
        var time = o.Updated.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        return new Dictionary<string, object?>
        {
            ["kind"] = "storage#object",
            ["id"] = $"{o.Bucket}/{o.Name}/{o.Generation}",
            ["selfLink"] = $"{JsonRoot}{o.Bucket}/o/{escapedName}",
            ["mediaLink"] = $"{DownloadRoot}{o.Bucket}/o/{escapedName}?generation={o.Generation}&alt=media",
            ["name"] = o.Name,
            ["bucket"] = o.Bucket,
            ["generation"] = o.Generation.ToString(),
            ["metageneration"] = "1",
            ["contentType"] = o.ContentType,
            ["storageClass"] = "STANDARD",
            ["size"] = o.Content.Length.ToString(),
            ["md5Hash"] = o.Md5,
            ["crc32c"] = o.Crc32c,
            ["etag"] = o.Md5,
            ["timeCreated"] = time,
            ["updated"] = time,
        };
    }

    // ---- HTTP plumbing -------------------------------------------------------------------------

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        var body = request.Headers.ContentEncoding.ToString() == "gzip" ? new GZipStream(request.Body, CompressionMode.Decompress) : request.Body;
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }

    private static async Task<JsonElement?> ReadJsonBodyAsync(HttpRequest request)
    {
        var bytes = await ReadBodyAsync(request);
        return bytes.Length == 0 ? null : JsonDocument.Parse(bytes).RootElement.Clone();
    }

    /// <summary>multipart/related: a JSON metadata part, then the media part.</summary>
    private static async Task<(JsonElement? Metadata, byte[] Content, string ContentType)> ReadMultipartAsync(HttpRequest request)
    {
        var boundary = MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ? HeaderUtilities.RemoveQuotes(type.Boundary).Value : null;
        if (string.IsNullOrEmpty(boundary)) throw new FakeGcsError(400, "invalid", "multipart upload without a boundary");
        var reader = new MultipartReader(boundary, new MemoryStream(await ReadBodyAsync(request)));
        // Each section's body must be read before asking for the next: the reader drains it otherwise.
        var metadataPart = await reader.ReadNextSectionAsync() ?? throw new FakeGcsError(400, "invalid", "multipart upload without metadata");
        using var metadata = new MemoryStream();
        await metadataPart.Body.CopyToAsync(metadata);
        var mediaPart = await reader.ReadNextSectionAsync() ?? throw new FakeGcsError(400, "invalid", "multipart upload without media");
        using var media = new MemoryStream();
        await mediaPart.Body.CopyToAsync(media);
        var json = metadata.Length == 0 ? (JsonElement?)null : JsonDocument.Parse(metadata.ToArray()).RootElement.Clone();
        return (json, media.ToArray(), mediaPart.ContentType ?? StringProperty(json, "contentType") ?? "application/octet-stream");
    }

    /// <summary>The ?name= query parameter overrides the name in the metadata, as in GCS.</summary>
    private static string NameFrom(IQueryCollection query, JsonElement? metadata)
    {
        var name = query["name"].ToString() is { Length: > 0 } fromQuery ? fromQuery : StringProperty(metadata, "name");
        return string.IsNullOrEmpty(name) ? throw new FakeGcsError(400, "required", "the upload names no object") : name;
    }

    private static string? StringProperty(JsonElement? json, string property) =>
        json is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static Task WriteJsonAsync(HttpContext http, int status, object body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=UTF-8";
        return http.Response.WriteAsync(JsonSerializer.Serialize(body), http.RequestAborted);
    }

    /// <summary>Google's error envelope, which the client turns into a GoogleApiException.</summary>
    private static Task WriteErrorAsync(HttpContext http, int status, string reason, string message)
    {
        if (http.Response.HasStarted) return Task.CompletedTask;
        http.Response.Clear();
        return WriteJsonAsync(http, status, new
        {
            error = new
            {
                code = status,
                message,
                errors = new[] { new { message, domain = "global", reason } },
            },
        });
    }

    private sealed record StoredObject(string Bucket, string Name, byte[] Content, string ContentType, long Generation,
        DateTimeOffset Updated, string Crc32c, string Md5);

    private sealed class UploadSession(string bucket, string name, string contentType, Preconditions preconditions)
    {
        public string Bucket { get; } = bucket;
        public string Name { get; } = name;
        public string ContentType { get; } = contentType;
        public Preconditions Preconditions { get; } = preconditions;
        public MemoryStream Received { get; } = new();
    }

    /// <summary>ifGenerationMatch / ifGenerationNotMatch; a generation of 0 stands for "no object".</summary>
    private sealed record Preconditions(long? IfGenerationMatch, long? IfGenerationNotMatch)
    {
        public static Preconditions From(IQueryCollection query) =>
            new(ParseLong(query, "ifGenerationMatch"), ParseLong(query, "ifGenerationNotMatch"));

        public void Check(StoredObject? current)
        {
            var generation = current?.Generation ?? 0;
            if (IfGenerationMatch is { } match && match != generation)
                throw new FakeGcsError(412, "conditionNotMet",
                    $"At least one of the pre-conditions you specified did not hold. (ifGenerationMatch={match}, current generation {generation})");
            if (IfGenerationNotMatch is { } notMatch && notMatch == generation)
                throw new FakeGcsError(412, "conditionNotMet",
                    $"At least one of the pre-conditions you specified did not hold. (ifGenerationNotMatch={notMatch})");
        }

        private static long? ParseLong(IQueryCollection query, string key) =>
            query.TryGetValue(key, out var value) && value.Count > 0 ? long.Parse(value.ToString()) : null;
    }

    /// <summary>A parsed Content-Range of a resumable PUT: byte span (absent for "*") and total (absent for "*").</summary>
    private readonly record struct ContentRange(long? First, long Last, long? Total)
    {
        public static ContentRange Parse(string header, int bodyLength)
        {
            // No Content-Range: the body is the whole object.
            if (header.Length == 0) return new ContentRange(0, bodyLength - 1, bodyLength);
            if (!header.StartsWith("bytes ", StringComparison.Ordinal)) throw Invalid(header);
            var parts = header["bytes ".Length..].Split('/');
            if (parts.Length != 2) throw Invalid(header);
            long? total = parts[1] == "*" ? null : long.TryParse(parts[1], out var t) ? t : throw Invalid(header);
            if (parts[0] == "*") return new ContentRange(null, -1, total);
            var span = parts[0].Split('-');
            if (span.Length != 2 || !long.TryParse(span[0], out var first) || !long.TryParse(span[1], out var last) || last < first)
                throw Invalid(header);
            return new ContentRange(first, last, total);
        }

        private static FakeGcsError Invalid(string header) => new(400, "invalid", $"bad Content-Range '{header}'");
    }

    private sealed class FakeGcsError(int status, string reason, string message) : Exception(message)
    {
        public int Status { get; } = status;
        public string Reason { get; } = reason;
    }

    /// <summary>
    /// CRC32C (Castagnoli), as GCS reports it: the 32-bit value big-endian, base64-encoded.
    /// System.IO.Hashing is not part of the shared framework, and the table version is a few lines.
    /// </summary>
    internal static class Crc32c
    {
        private const uint ReflectedPolynomial = 0x82F63B78;
        private static readonly uint[] Table = BuildTable();

        public static uint Compute(ReadOnlySpan<byte> data)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return ~crc;
        }

        public static string Base64(ReadOnlySpan<byte> data)
        {
            Span<byte> bigEndian = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bigEndian, Compute(data));
            return Convert.ToBase64String(bigEndian);
        }

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                var c = i;
                for (var bit = 0; bit < 8; bit++) c = (c & 1) != 0 ? (c >> 1) ^ ReflectedPolynomial : c >> 1;
                table[i] = c;
            }
            return table;
        }
    }
}
