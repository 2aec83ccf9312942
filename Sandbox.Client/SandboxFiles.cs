using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Sandbox.Client.Internal;

namespace Sandbox.Client;

/// <summary>Files inside a sandbox (API-v1.md §3), as streams both ways: nothing is held whole in memory.</summary>
public sealed class SandboxFiles
{
    private readonly RemoteSandbox _sandbox;
    internal SandboxFiles(RemoteSandbox sandbox) => _sandbox = sandbox;

    private string P(string route, string path, string extra = "") => _sandbox.Path($"{route}?path={ApiHttp.Q(path)}{extra}");

    /// <summary>Writes <paramref name="content"/> (read to its end, not buffered) to <paramref name="path"/>; parents are created.</summary>
    public async Task<WrittenFile> WriteAsync(string path, Stream content, int? mode = null, CancellationToken ct = default)
    {
        var body = new StreamContent(content, 64 * 1024);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var modeQuery = mode is { } m ? "&mode=" + Convert.ToString(m, 8) : "";
        using var req = _sandbox.Api.Request(HttpMethod.Put, P("/files", path, modeQuery), _sandbox.Token, content: body);
        using var resp = await _sandbox.Api.SendAsync(req, ct).ConfigureAwait(false);
        return await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<WrittenFile>(resp.Content, WireJson.Options, ct).ConfigureAwait(false)
            ?? throw new SandboxException("the server answered a write with an empty body");
    }

    public Task<WrittenFile> WriteTextAsync(string path, string text, CancellationToken ct = default) =>
        WriteAsync(path, new MemoryStream(Encoding.UTF8.GetBytes(text)), null, ct);

    public Task<WrittenFile> WriteBytesAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken ct = default) =>
        WriteAsync(path, new MemoryStream(bytes.ToArray()), null, ct);

    /// <summary>The file's bytes as a stream straight from the server (dispose it); its length is known.</summary>
    public async Task<Stream> OpenReadAsync(string path, CancellationToken ct = default)
    {
        var req = _sandbox.Api.Request(HttpMethod.Get, P("/files", path), _sandbox.Token);
        var resp = await _sandbox.Api.SendAsync(req, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        return new ResponseStream(resp, await resp.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), req);
    }

    public async Task<byte[]> ReadBytesAsync(string path, CancellationToken ct = default)
    {
        await using var s = await OpenReadAsync(path, ct).ConfigureAwait(false);
        var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct).ConfigureAwait(false);
        return ms.ToArray();
    }

    public async Task<string> ReadTextAsync(string path, CancellationToken ct = default) => Encoding.UTF8.GetString(await ReadBytesAsync(path, ct).ConfigureAwait(false));

    public async Task<IReadOnlyList<FileEntry>> ListAsync(string path, int depth = 1, CancellationToken ct = default) =>
        (await _sandbox.Api.JsonAsync<FileList>(HttpMethod.Get, P("/files/list", path, $"&depth={depth}"), _sandbox.Token, null, ct).ConfigureAwait(false)).Entries;

    public Task<FileEntry> StatAsync(string path, CancellationToken ct = default) =>
        _sandbox.Api.JsonAsync<FileEntry>(HttpMethod.Get, P("/files/stat", path), _sandbox.Token, null, ct);

    public Task MakeDirectoryAsync(string path, CancellationToken ct = default) =>
        _sandbox.Api.NoContentAsync(HttpMethod.Post, P("/files/mkdir", path), _sandbox.Token, new { }, ct);

    public Task DeleteAsync(string path, bool recursive = false, CancellationToken ct = default) =>
        _sandbox.Api.NoContentAsync(HttpMethod.Delete, P("/files", path, recursive ? "&recursive=true" : ""), _sandbox.Token, null, ct);

    /// <summary>Changes under <paramref name="path"/> as they happen, until <paramref name="ct"/> is cancelled.</summary>
    public async IAsyncEnumerable<FileChange> WatchAsync(string path, bool recursive = false, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var req = _sandbox.Api.Request(HttpMethod.Get, P("/files/watch", path, recursive ? "&recursive=true" : ""), _sandbox.Token);
        using var resp = await _sandbox.Api.SendAsync(req, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            var change = JsonSerializer.Deserialize<FileChange>(line[5..].Trim(), WireJson.Options);
            if (change is not null) yield return change;
        }
    }

    /// <summary>A response body that disposes its response (and request) with it.</summary>
    private sealed class ResponseStream(HttpResponseMessage resp, Stream inner, HttpRequestMessage req) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => resp.Content.Headers.ContentLength ?? throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => inner.ReadAsync(buffer, ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => inner.ReadAsync(buffer, offset, count, ct);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) { inner.Dispose(); resp.Dispose(); req.Dispose(); }
            base.Dispose(disposing);
        }
        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            resp.Dispose();
            req.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
