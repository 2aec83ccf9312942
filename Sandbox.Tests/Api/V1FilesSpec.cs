using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Api;

/// <summary>API-v1.md §3: files inside a sandbox over REST.</summary>
public class V1FilesSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static async Task<HttpResponseMessage> Put(V1Http v1, string id, string token, string path, HttpContent content)
    {
        using var req = new HttpRequestMessage(HttpMethod.Put, $"/v1/sandboxes/{id}/files?path={Uri.EscapeDataString(path)}") { Content = content };
        req.Headers.Add("X-Sandbox-Token", token);
        return await v1.Http.SendAsync(req);
    }

    [Fact]
    public async Task Bytes_written_are_the_bytes_read_and_what_code_in_the_sandbox_sees()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var bytes = Enumerable.Range(0, 256 * 40).Select(i => (byte)(i % 256)).ToArray();
        var put = await Put(v1, id, token, "/data/deep/blob.bin", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var written = JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("/data/deep/blob.bin", written.GetProperty("path").GetString());
        Assert.Equal(bytes.Length, written.GetProperty("size").GetInt64());

        using var get = new HttpRequestMessage(HttpMethod.Get, $"/v1/sandboxes/{id}/files?path=/data/deep/blob.bin");
        get.Headers.Add("X-Sandbox-Token", token);
        using var resp = await v1.Http.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("application/octet-stream", resp.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes.Length, resp.Content.Headers.ContentLength);
        Assert.Equal(bytes, await resp.Content.ReadAsByteArrayAsync());

        // code inside sees the same file
        var run = await V1ProcessesSpec.RunAsync(v1, id, token, new { language = "python", code = "import hashlib;print(hashlib.sha256(open('/data/deep/blob.bin','rb').read()).hexdigest())" });
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)) + "\n", run.Stdout);
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task List_stat_mkdir_and_delete_work_on_what_is_there()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        Assert.Equal(HttpStatusCode.Created, (await v1.PostAsync($"/v1/sandboxes/{id}/files/mkdir?path=/work/a/b", token: token)).Status);
        var mode = await v1.SendAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/files?path=/work/a/run.sh&mode=0755", rawBody: "echo hi\n", contentType: "text/plain", token: token);
        Assert.Equal(HttpStatusCode.Created, mode.Status);
        var list = (await v1.GetAsync($"/v1/sandboxes/{id}/files/list?path=/work/a", token)).Json.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(new[] { "b", "run.sh" }, list.Select(e => e.GetProperty("name").GetString()).Order());
        var script = list.Single(e => e.GetProperty("name").GetString() == "run.sh");
        Assert.Equal("file", script.GetProperty("type").GetString());
        Assert.Equal("/work/a/run.sh", script.GetProperty("path").GetString());
        Assert.Equal(8, script.GetProperty("size").GetInt64());
        Assert.Equal(0x1ED, script.GetProperty("mode").GetInt32() & 0xFFF);
        Assert.EndsWith("Z", script.GetProperty("modified_at").GetString());
        Assert.Equal("dir", list.Single(e => e.GetProperty("name").GetString() == "b").GetProperty("type").GetString());
        var deep = (await v1.GetAsync($"/v1/sandboxes/{id}/files/list?path=/work&depth=3", token)).Json.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("path").GetString());
        Assert.Contains("/work/a/b", deep);
        Assert.Equal("dir", (await v1.GetAsync($"/v1/sandboxes/{id}/files/stat?path=/work/a", token)).Json.GetProperty("type").GetString());

        (await v1.DeleteAsync($"/v1/sandboxes/{id}/files?path=/work/a", token)).Problem(HttpStatusCode.Conflict);   // not empty without recursive
        Assert.Equal(HttpStatusCode.NoContent, (await v1.DeleteAsync($"/v1/sandboxes/{id}/files?path=/work/a&recursive=true", token)).Status);
        (await v1.GetAsync($"/v1/sandboxes/{id}/files/stat?path=/work/a", token)).Problem(HttpStatusCode.NotFound);
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task Bad_paths_get_the_status_of_section_1_with_a_detail_that_says_what_to_change()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        Assert.Contains("/nope", (await v1.GetAsync($"/v1/sandboxes/{id}/files?path=/nope", token)).Problem(HttpStatusCode.NotFound));
        Assert.Contains("directory", (await v1.GetAsync($"/v1/sandboxes/{id}/files?path=/etc", token)).Problem(HttpStatusCode.BadRequest));
        var relative = await v1.GetAsync($"/v1/sandboxes/{id}/files?path=etc/hostname", token);
        Assert.True(relative.Status is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, relative.Body);
        Assert.Contains("absolute", relative.Json.GetProperty("detail").GetString());
        var nul = await v1.GetAsync($"/v1/sandboxes/{id}/files/stat?path=/etc/host%00name", token);
        Assert.True(nul.Status is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, nul.Body);
        (await v1.GetAsync($"/v1/sandboxes/{id}/files/list?path=/etc/hostname", token)).Problem(HttpStatusCode.BadRequest);   // a file where a directory is expected
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task A_watch_streams_server_sent_events_for_changes_until_the_client_leaves()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        await v1.PostAsync($"/v1/sandboxes/{id}/files/mkdir?path=/watched", token: token);
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/v1/sandboxes/{id}/files/watch?path=/watched&recursive=true");
        req.Headers.Add("X-Sandbox-Token", token);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var resp = await v1.Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("text/event-stream", resp.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(cts.Token));
        await Task.Delay(500);
        await v1.SendAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/files?path=/watched/new.txt", rawBody: "x", contentType: "text/plain", token: token);
        var seen = new List<JsonElement>();
        while (!seen.Any(e => e.GetProperty("path").GetString() == "/watched/new.txt"))
        {
            var line = await reader.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("the watch ended");
            if (line.StartsWith("data: ")) seen.Add(JsonDocument.Parse(line[6..]).RootElement.Clone());
        }
        Assert.Contains(seen, e => e.GetProperty("type").GetString() is "created" or "modified");
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }
}

/// <summary>The disk limit answers an upload that does not fit with a 413 naming it.</summary>
public class V1DiskLimitSpec(SmallDiskFixture server) : IClassFixture<SmallDiskFixture>
{
    [Fact]
    public async Task An_upload_past_the_disk_limit_is_a_413_naming_the_limit()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        using var req = new HttpRequestMessage(HttpMethod.Put, $"/v1/sandboxes/{id}/files?path=/data/too-big.bin")
        {
            Content = new StreamContent(new PatternStream(64L * 1024 * 1024)),
        };
        req.Headers.Add("X-Sandbox-Token", token);
        using var resp = await v1.Http.SendAsync(req);
        var a = new Answer(resp.StatusCode, resp.Content.Headers.ContentType?.MediaType, await resp.Content.ReadAsStringAsync(), null, null);
        Assert.Contains("SANDBOX_DISK_LIMIT_MB", a.Problem(HttpStatusCode.RequestEntityTooLarge));
        // the sandbox is still usable after
        Assert.Equal(HttpStatusCode.Created, (await v1.SendAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/files?path=/data/small.txt", rawBody: "ok", contentType: "text/plain", token: token)).Status);
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }
}

/// <summary>A 1 GiB file goes up and comes back down without the server holding it (issue 13).</summary>
[Collection(nameof(MemoryMeasuredCollection))]
public class V1LargeFileSpec(LargeDiskFixture server) : IClassFixture<LargeDiskFixture>
{
    [Fact]
    public async Task A_one_gib_round_trip_keeps_the_servers_memory_flat()
    {
        const long size = 1L << 30;
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync(new { idle_timeout = 600 });
        GC.Collect();
        var before = Rss();
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested) { peak = Math.Max(peak, Rss()); await Task.Delay(200); }
        });

        using var put = new HttpRequestMessage(HttpMethod.Put, $"/v1/sandboxes/{id}/files?path=/data/big.bin") { Content = new StreamContent(new PatternStream(size)) };
        put.Content.Headers.ContentLength = size;
        put.Headers.Add("X-Sandbox-Token", token);
        using (var r = await v1.Http.SendAsync(put)) Assert.Equal(HttpStatusCode.Created, r.StatusCode);

        using var get = new HttpRequestMessage(HttpMethod.Get, $"/v1/sandboxes/{id}/files?path=/data/big.bin");
        get.Headers.Add("X-Sandbox-Token", token);
        using var resp = await v1.Http.SendAsync(get, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(size, resp.Content.Headers.ContentLength);
        await using var body = await resp.Content.ReadAsStreamAsync();
        var expected = new PatternStream(size);
        var a = new byte[1 << 16];
        var b = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(a)) > 0)
        {
            await expected.ReadExactlyAsync(b.AsMemory(0, n));
            Assert.True(a.AsSpan(0, n).SequenceEqual(b.AsSpan(0, n)), $"bytes differ near offset {total}");
            total += n;
        }
        Assert.Equal(size, total);
        sampling.Cancel();
        await sampler;
        // the test client and the server share this process: both stream, so the peak stays far below the file.
        // A server that held the file would grow by at least its size; the GC's budgets and Kestrel's block
        // pool alone reached 430 MiB once on a loaded fresh-clone run, so the bound is half the file.
        Assert.True(peak - before < size / 2, $"RSS grew by {(peak - before) >> 20} MiB during a 1 GiB round trip");
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    private static long Rss()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }
}

/// <summary>A read-only stream of <c>length</c> deterministic bytes, made as it is read (nothing held).</summary>
public sealed class PatternStream(long length) : Stream
{
    private long _position;
    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        for (var i = 0; i < n; i++) buffer[offset + i] = (byte)((_position + i) * 31 % 251);
        _position += n;
        return n;
    }
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
