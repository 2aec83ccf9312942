using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Api;

/// <summary>API-v1.md §4: processes and terminals over REST and WebSocket.</summary>
public class V1ProcessesSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    public sealed record Run(string ProcessId, string Stdout, string Stderr, int? ExitCode, List<JsonElement> Lines);

    /// <summary>Reads …/output as NDJSON lines until it ends.</summary>
    public static async Task<List<JsonElement>> OutputAsync(V1Http v1, string id, string token, string pid, string query)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/v1/sandboxes/{id}/processes/{pid}/output?{query}");
        req.Headers.Add("X-Sandbox-Token", token);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var resp = await v1.Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.True(resp.StatusCode == HttpStatusCode.OK, await resp.Content.ReadAsStringAsync());
        Assert.Equal("application/x-ndjson", resp.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(cts.Token));
        var lines = new List<JsonElement>();
        while (await reader.ReadLineAsync(cts.Token) is { } line) lines.Add(JsonDocument.Parse(line).RootElement.Clone());
        return lines;
    }

    public static async Task<string> StartAsync(V1Http v1, string id, string token, object request)
    {
        var a = await v1.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/processes", request, token);
        Assert.True(a.Status == HttpStatusCode.Created, a.Body);
        var pid = a.Json.GetProperty("process_id").GetString()!;
        Assert.StartsWith("p-", pid);
        Assert.True(a.Json.GetProperty("pid").GetInt32() > 0);
        return pid;
    }

    /// <summary>Starts a process and follows its output to the end.</summary>
    public static async Task<Run> RunAsync(V1Http v1, string id, string token, object request)
    {
        var pid = await StartAsync(v1, id, token, request);
        var lines = await OutputAsync(v1, id, token, pid, "offset=0&follow=true");
        string Text(string s) => string.Concat(lines.Where(l => l.GetProperty("stream").GetString() == s).Select(l => l.GetProperty("data").GetString()));
        var exit = lines.LastOrDefault(l => l.GetProperty("stream").GetString() == "exit");
        return new Run(pid, Text("stdout"), Text("stderr"), exit.ValueKind == JsonValueKind.Object && exit.TryGetProperty("exit_code", out var c) ? c.GetInt32() : null, lines);
    }

    /// <summary>A process that prints 1, 2, 3, … one line every 20 ms for about half an hour.</summary>
    public static readonly object Counter = new { cmd = new[] { "bash", "-c", "i=0; while [ $i -lt 90000 ]; do i=$((i+1)); echo $i; sleep 0.02; done" } };

    /// <summary>The stdout a process has written from an offset on, as far as it has gone (no follow).</summary>
    public static async Task<string> StdoutFromAsync(V1Http v1, string id, string token, string pid, long offset)
    {
        var lines = await OutputAsync(v1, id, token, pid, $"offset={offset}&follow=false");
        Assert.All(lines.Where(l => l.GetProperty("stream").GetString() == "stdout"), l => Assert.True(l.GetProperty("offset").GetInt64() >= offset));
        return string.Concat(lines.Where(l => l.GetProperty("stream").GetString() == "stdout").Select(l => l.GetProperty("data").GetString()));
    }

    /// <summary>Asserts the counter's output from the start: 1, 2, 3, … with none missing or repeated.</summary>
    public static int AssertCountsFromOne(string stdout)
    {
        var numbers = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        Assert.Equal(Enumerable.Range(1, numbers.Count), numbers);
        return numbers.Count;
    }

    /// <summary>Waits until the counter has printed more than it had, and returns everything from offset 0.</summary>
    public static async Task<string> CountedPastAsync(V1Http v1, string id, string token, string pid, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var all = await StdoutFromAsync(v1, id, token, pid, 0);
            if (AssertCountsFromOne(all) > count) return all;
            Assert.True(DateTime.UtcNow < deadline, $"the counter stayed at {count} for 60 s");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Output_is_one_json_line_per_chunk_with_offsets_in_the_combined_log_and_the_exit_last()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var run = await RunAsync(v1, id, token, new { language = "python", code = "import sys\nprint('hello', flush=True)\nprint('warn', file=sys.stderr, flush=True)\nsys.exit(3)" });
        Assert.Equal("hello\n", run.Stdout);
        Assert.Equal("warn\n", run.Stderr);
        Assert.Equal(3, run.ExitCode);
        var last = run.Lines[^1];
        Assert.Equal("exit", last.GetProperty("stream").GetString());
        Assert.Equal(11, last.GetProperty("offset").GetInt64());
        long expected = 0;
        foreach (var l in run.Lines.SkipLast(1))
        {
            Assert.Equal(expected, l.GetProperty("offset").GetInt64());
            expected += Encoding.UTF8.GetByteCount(l.GetProperty("data").GetString()!);
        }
        var view = (await v1.GetAsync($"/v1/sandboxes/{id}/processes/{run.ProcessId}", token)).Json;
        Assert.Equal("exited", view.GetProperty("state").GetString());
        Assert.Equal(3, view.GetProperty("exit_code").GetInt32());
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task Asking_again_from_an_offset_gives_every_later_byte_exactly_once()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var run = await RunAsync(v1, id, token, new { cmd = new[] { "bash", "-c", "for i in $(seq 1 2000); do echo line-$i; done" } });
        var all = run.Stdout;
        foreach (var offset in new[] { 0, 1, 7, 4096, all.Length - 3, all.Length })
        {
            var lines = await OutputAsync(v1, id, token, run.ProcessId, $"offset={offset}&follow=false");
            var text = string.Concat(lines.Where(l => l.GetProperty("stream").GetString() == "stdout").Select(l => l.GetProperty("data").GetString()));
            Assert.Equal(all[offset..], text);
            Assert.Equal("exit", lines[^1].GetProperty("stream").GetString());
        }
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task Base64_gives_the_exact_bytes_and_text_mode_keeps_split_characters_whole()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        // 'é' (c3 a9) written one byte at a time, then a byte that is not UTF-8 at all
        var pid = await StartAsync(v1, id, token, new { language = "python", code = "import os,time\nfor b in [b'a', b'\\xc3', b'\\xa9', b'z', b'\\xff', b'\\n']:\n    os.write(1, b); time.sleep(0.05)" });
        var b64 = await OutputAsync(v1, id, token, pid, "follow=true&encoding=base64");
        var bytes = b64.Where(l => l.GetProperty("stream").GetString() == "stdout").SelectMany(l => Convert.FromBase64String(l.GetProperty("data_b64").GetString()!)).ToArray();
        Assert.Equal(new byte[] { (byte)'a', 0xC3, 0xA9, (byte)'z', 0xFF, (byte)'\n' }, bytes);
        var text = await OutputAsync(v1, id, token, pid, "follow=false");
        Assert.Equal("aéz\uFFFD\n", string.Concat(text.Where(l => l.GetProperty("stream").GetString() == "stdout").Select(l => l.GetProperty("data").GetString())));
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task Twenty_megabytes_of_output_arrive_complete()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var pid = await StartAsync(v1, id, token, new { language = "python", code = "import sys\nchunk = b'0123456789abcdef' * 6250\nfor i in range(200):\n    sys.stdout.buffer.write(chunk)\nsys.stdout.flush()" });
        var lines = await OutputAsync(v1, id, token, pid, "follow=true&encoding=base64");
        var total = lines.Where(l => l.GetProperty("stream").GetString() == "stdout").Sum(l => (long)Convert.FromBase64String(l.GetProperty("data_b64").GetString()!).Length);
        // the runner keeps the newest 8 MiB: what was dropped is announced as a gap, never lost silently
        var gap = lines.Where(l => l.GetProperty("stream").GetString() == "gap").Sum(l => l.GetProperty("dropped_bytes").GetInt64());
        Assert.Equal(20_000_000, total + gap);
        Assert.Equal(0, lines[^1].GetProperty("exit_code").GetInt32());
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task Stdin_reaches_the_process_and_eof_closes_it()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var pid = await StartAsync(v1, id, token, new { language = "python", code = "import sys\ndata = sys.stdin.read()\nprint(len(data), data.upper(), end='')" });
        Assert.Equal(HttpStatusCode.NoContent, (await v1.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/processes/{pid}/stdin", rawBody: "abc ", contentType: "application/octet-stream", token: token)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await v1.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/processes/{pid}/stdin?eof=true", rawBody: "def", contentType: "application/octet-stream", token: token)).Status);
        var lines = await OutputAsync(v1, id, token, pid, "follow=true");
        Assert.Equal("7 ABC DEF", string.Concat(lines.Where(l => l.GetProperty("stream").GetString() == "stdout").Select(l => l.GetProperty("data").GetString())));
        // stdin is closed now: more is refused with a clear status
        var late = await v1.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/processes/{pid}/stdin", rawBody: "x", contentType: "application/octet-stream", token: token);
        late.Problem(HttpStatusCode.Conflict);
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task A_signal_is_accepted_with_202_and_ends_the_process_with_it()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var pid = await StartAsync(v1, id, token, new { cmd = new[] { "sleep", "300" } });
        var list = (await v1.GetAsync($"/v1/sandboxes/{id}/processes", token)).Json.GetProperty("processes").EnumerateArray();
        Assert.Contains(list, p => p.GetProperty("process_id").GetString() == pid && p.GetProperty("state").GetString() == "running");
        Assert.Equal(HttpStatusCode.Accepted, (await v1.PostAsync($"/v1/sandboxes/{id}/processes/{pid}/signal", new { signal = "TERM" }, token)).Status);
        var lines = await OutputAsync(v1, id, token, pid, "follow=true");
        Assert.Equal("TERM", lines[^1].GetProperty("signal").GetString());
        (await v1.PostAsync($"/v1/sandboxes/{id}/processes/{pid}/signal", new { signal = "KILL" }, token)).Problem(HttpStatusCode.Conflict);
        var bad = await v1.PostAsync($"/v1/sandboxes/{id}/processes/{pid}/signal", new { signal = "STOP" }, token);
        bad.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("signal", bad.Field);
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task Unknown_processes_and_bad_requests_get_clear_statuses()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        (await v1.GetAsync($"/v1/sandboxes/{id}/processes/p-nope", token)).Problem(HttpStatusCode.NotFound);
        (await v1.GetAsync($"/v1/sandboxes/{id}/processes/p-nope/output", token)).Problem(HttpStatusCode.NotFound);
        var neither = await v1.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/processes", new { cwd = "/" }, token);
        neither.Problem(HttpStatusCode.UnprocessableEntity);
        var lang = await v1.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/processes", new { language = "cobol", code = "x" }, token);
        lang.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("language", lang.Field);
        var pid = await StartAsync(v1, id, token, new { cmd = new[] { "sleep", "30" } });
        (await v1.PostAsync($"/v1/sandboxes/{id}/processes/{pid}/resize", new { cols = 100, rows = 30 }, token)).Problem(HttpStatusCode.Conflict);   // not a terminal
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task A_terminal_process_has_its_size_and_resizes()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var pid = await StartAsync(v1, id, token, new { cmd = new[] { "bash", "-c", "stty size; read x; stty size" }, pty = new { cols = 120, rows = 40 } });
        await Eventually(async () => string.Concat((await OutputAsync(v1, id, token, pid, "follow=false")).Where(l => l.GetProperty("stream").GetString() == "pty").Select(l => l.GetProperty("data").GetString())).Contains("40 120"));
        Assert.Equal(HttpStatusCode.NoContent, (await v1.PostAsync($"/v1/sandboxes/{id}/processes/{pid}/resize", new { cols = 100, rows = 30 }, token)).Status);
        await v1.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/processes/{pid}/stdin", rawBody: "\n", contentType: "application/octet-stream", token: token);
        var lines = await OutputAsync(v1, id, token, pid, "follow=true");
        Assert.Contains("30 100", string.Concat(lines.Where(l => l.GetProperty("stream").GetString() == "pty").Select(l => l.GetProperty("data").GetString())));
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task A_websocket_terminal_runs_an_interactive_shell_and_closes_with_its_exit()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var pid = await StartAsync(v1, id, token, new { cmd = new[] { "bash", "-i" }, pty = new { cols = 80, rows = 24 } });
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("X-Sandbox-Token", token);
        await ws.ConnectAsync(new Uri(server.WsBase, $"/v1/sandboxes/{id}/processes/{pid}/attach?offset=0"), CancellationToken.None);
        await ws.SendAsync("{\"type\":\"resize\",\"cols\":90,\"rows\":33}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        await ws.SendAsync("stty size; echo $((6*7)); exit 5\n"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        var output = new StringBuilder();
        JsonElement? exit = null;
        var buf = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var text = new MemoryStream();
        while (true)
        {
            var m = await ws.ReceiveAsync(buf, cts.Token);
            if (m.MessageType == WebSocketMessageType.Close) break;
            if (m.MessageType == WebSocketMessageType.Binary) { output.Append(Encoding.UTF8.GetString(buf, 0, m.Count)); continue; }
            text.Write(buf, 0, m.Count);
            if (!m.EndOfMessage) continue;
            exit = JsonDocument.Parse(text.ToArray()).RootElement.Clone();
            text.SetLength(0);
        }
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
        Assert.Contains("33 90", output.ToString());
        Assert.Contains("42", output.ToString());
        Assert.Equal("exit", exit!.Value.GetProperty("type").GetString());
        Assert.Equal(5, exit.Value.GetProperty("exit_code").GetInt32());
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task The_python_repl_runs_on_a_terminal_and_exits_with_its_code()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var pid = await StartAsync(v1, id, token, new { cmd = new[] { "python3" }, pty = new { cols = 100, rows = 30 } });
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("X-Sandbox-Token", token);
        await ws.ConnectAsync(new Uri(server.WsBase, $"/v1/sandboxes/{id}/processes/{pid}/attach?offset=0"), CancellationToken.None);
        var screen = new StringBuilder();
        JsonElement? exit = null;
        var buf = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        async Task ReadUntil(Func<string, bool> done)
        {
            var text = new MemoryStream();
            while (!done(screen.ToString()))
            {
                var m = await ws.ReceiveAsync(buf, cts.Token);
                if (m.MessageType == WebSocketMessageType.Close) return;
                if (m.MessageType == WebSocketMessageType.Binary) { screen.Append(Encoding.UTF8.GetString(buf, 0, m.Count)); continue; }
                text.Write(buf, 0, m.Count);
                if (!m.EndOfMessage) continue;
                exit = JsonDocument.Parse(text.ToArray()).RootElement.Clone();
                text.SetLength(0);
            }
        }
        // the interactive prompt shows because stdin is a terminal; lines typed there are evaluated
        await ReadUntil(s => s.Contains(">>> "));
        await ws.SendAsync("import os, shutil\r"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        await ws.SendAsync("print(os.isatty(0), shutil.get_terminal_size().columns, 6 * 7)\r"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        await ReadUntil(s => s.Contains("True 100 42"));
        // a statement spread over lines gets the continuation prompt
        await ws.SendAsync("for i in range(2):\r    print('row', i)\r\r"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        await ReadUntil(s => s.Contains("row 1"));
        Assert.Contains("... ", screen.ToString());
        await ws.SendAsync("raise SystemExit(3)\r"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        await ReadUntil(_ => false);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
        Assert.Equal(3, exit!.Value.GetProperty("exit_code").GetInt32());
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task Fifty_processes_run_at_once_in_one_sandbox()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var pids = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => StartAsync(v1, id, token, new { cmd = new[] { "bash", "-c", $"sleep 2; echo done-{i}" } })));
        Assert.Equal(50, pids.Distinct().Count());
        var outputs = await Task.WhenAll(pids.Select(p => OutputAsync(v1, id, token, p, "follow=true")));
        for (var i = 0; i < 50; i++)
            Assert.Equal($"done-{i}\n", string.Concat(outputs[i].Where(l => l.GetProperty("stream").GetString() == "stdout").Select(l => l.GetProperty("data").GetString())));
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    private static async Task Eventually(Func<Task<bool>> check)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await check())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the condition did not hold in 30 s");
            await Task.Delay(200);
        }
    }
}
