using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Sandbox.Tests.Api;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Mcp;

/// <summary>/mcp (API-v1.md §7, issue 16) with the official C# client, without API keys: a session acts on the sandboxes it created.</summary>
public class McpToolsSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string[] Tools =
        ["run_code", "create_sandbox", "exec", "write_file", "read_file", "list_files", "start_process", "process_output",
         "pause_sandbox", "resume_sandbox", "fork_sandbox", "kill_sandbox"];

    [Fact]
    public async Task The_server_lists_every_tool_with_a_schema_that_describes_each_argument()
    {
        await using var mcp = await McpSession.ConnectAsync(server.HttpBase);
        Assert.False(string.IsNullOrEmpty(mcp.SessionId));
        var tools = await mcp.ListToolsAsync();
        Assert.Equal(Tools.Order(), tools.Select(t => t.Name).Order());
        foreach (var t in tools)
        {
            Assert.False(string.IsNullOrWhiteSpace(t.Description), t.Name);
            var schema = t.ProtocolTool.InputSchema;
            foreach (var p in schema.GetProperty("properties").EnumerateObject())
                Assert.True(p.Value.TryGetProperty("description", out var d) && d.GetString()!.Length > 10, $"{t.Name}.{p.Name} has no description");
        }
        var exec = tools.Single(t => t.Name == "exec").ProtocolTool.InputSchema;
        Assert.Equal(new[] { "code", "language", "sandbox_id" }, exec.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.Equal("string", exec.GetProperty("properties").GetProperty("code").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Run_code_returns_stdout_stderr_and_the_exit_code_and_deletes_its_sandbox()
    {
        await using var mcp = await McpSession.ConnectAsync(server.HttpBase);
        var r = (await mcp.CallAsync("run_code", new { language = "python", code = "import sys\nprint(6*7)\nprint('careful', file=sys.stderr)\nsys.exit(2)" })).Ok();
        Assert.Contains("Exit code: 2", r.Text());
        Assert.Contains("42", r.Text());
        Assert.Contains("careful", r.Text());
        var data = r.Data();
        Assert.Equal("42\n", data.GetProperty("stdout").GetString());
        Assert.Equal("careful\n", data.GetProperty("stderr").GetString());
        Assert.Equal(2, data.GetProperty("exit_code").GetInt32());
        using var v1 = new V1Http(server);
        var live = (await v1.GetAsync("/v1/sandboxes?label=created_by=mcp.run_code&state=running")).Json.GetProperty("sandboxes");
        Assert.Equal(0, live.GetArrayLength());
    }

    [Fact]
    public async Task A_session_creates_a_sandbox_and_drives_it_with_every_tool()
    {
        await using var mcp = await McpSession.ConnectAsync(server.HttpBase);
        var created = (await mcp.CallAsync("create_sandbox", new { labels = new { agent = "mcp-spec" }, idle_timeout = 120 })).Ok();
        var id = created.Data().GetProperty("sandbox_id").GetString()!;
        Assert.Contains(id, created.Text());

        Assert.Contains("bytes", (await mcp.CallAsync("write_file", new { sandbox_id = id, path = "/work/in.txt", content = "héllo\nworld\n" })).Ok().Text());
        Assert.Equal("héllo\nworld\n", (await mcp.CallAsync("read_file", new { sandbox_id = id, path = "/work/in.txt" })).Ok().Data().GetProperty("content").GetString());
        var listing = (await mcp.CallAsync("list_files", new { sandbox_id = id, path = "/work" })).Ok();
        Assert.Contains("/work/in.txt", listing.Text());
        Assert.Equal("in.txt", listing.Data().GetProperty("entries")[0].GetProperty("name").GetString());

        var exec = (await mcp.CallAsync("exec", new { sandbox_id = id, language = "bash", code = "wc -l < /work/in.txt; echo oops >&2; exit 4" })).Ok();
        Assert.Equal("2\n", exec.Data().GetProperty("stdout").GetString());
        Assert.Equal("oops\n", exec.Data().GetProperty("stderr").GetString());
        Assert.Equal(4, exec.Data().GetProperty("exit_code").GetInt32());

        var started = (await mcp.CallAsync("start_process", new { sandbox_id = id, cmd = new[] { "bash", "-c", "for i in 1 2 3; do echo tick-$i; sleep 0.2; done" } })).Ok();
        var pid = started.Data().GetProperty("process_id").GetString()!;
        long offset = 0;
        var seen = "";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement last;
        do
        {
            last = (await mcp.CallAsync("process_output", new { sandbox_id = id, process_id = pid, offset })).Ok().Data();
            seen += last.GetProperty("output").GetString();
            offset = last.GetProperty("next_offset").GetInt64();
            if (DateTime.UtcNow > deadline) throw new TimeoutException(seen);
            await Task.Delay(100);
        } while (last.GetProperty("running").GetBoolean());
        Assert.Equal("tick-1\ntick-2\ntick-3\n", seen);   // each byte once across the calls
        Assert.Equal(0, last.GetProperty("exit_code").GetInt32());

        Assert.Contains("paused", (await mcp.CallAsync("pause_sandbox", new { sandbox_id = id })).Ok().Text());
        Assert.Contains("running", (await mcp.CallAsync("resume_sandbox", new { sandbox_id = id })).Ok().Text());
        var forks = (await mcp.CallAsync("fork_sandbox", new { sandbox_id = id, count = 2 })).Ok().Data().GetProperty("sandboxes");
        Assert.Equal(2, forks.GetArrayLength());
        foreach (var f in forks.EnumerateArray())
        {
            var fid = f.GetProperty("sandbox_id").GetString()!;
            // the session knows its forks: no token needed
            Assert.Equal("héllo\nworld\n", (await mcp.CallAsync("read_file", new { sandbox_id = fid, path = "/work/in.txt" })).Ok().Data().GetProperty("content").GetString());
            (await mcp.CallAsync("kill_sandbox", new { sandbox_id = fid })).Ok();
        }
        Assert.Contains("deleted", (await mcp.CallAsync("kill_sandbox", new { sandbox_id = id })).Ok().Text());
        (await mcp.CallAsync("exec", new { sandbox_id = id, language = "bash", code = "true" })).Failed();
    }

    [Fact]
    public async Task Another_session_needs_the_sandbox_token_to_act_on_a_sandbox()
    {
        await using var owner = await McpSession.ConnectAsync(server.HttpBase);
        await using var stranger = await McpSession.ConnectAsync(server.HttpBase);
        var created = (await owner.CallAsync("create_sandbox", new { idle_timeout = 120 })).Ok().Data();
        var id = created.GetProperty("sandbox_id").GetString()!;
        var token = created.GetProperty("sandbox_token").GetString()!;
        Assert.Contains("sandbox_token", (await stranger.CallAsync("exec", new { sandbox_id = id, language = "bash", code = "echo hi" })).Failed());
        Assert.Equal("hi\n", (await stranger.CallAsync("exec", new { sandbox_id = id, language = "bash", code = "echo hi", sandbox_token = token })).Ok().Data().GetProperty("stdout").GetString());
        (await owner.CallAsync("kill_sandbox", new { sandbox_id = id })).Ok();
    }

    [Fact]
    public async Task Failures_are_tool_results_a_model_can_act_on_and_the_session_stays_usable()
    {
        await using var mcp = await McpSession.ConnectAsync(server.HttpBase);
        Assert.Contains("run_code", (await mcp.CallAsync("launch_rockets", new { })).Failed());
        Assert.Contains("run_code", (await mcp.CallAsync("run_code", new { language = 5, code = new[] { 1 } })).Failed());
        Assert.Contains("timeout_seconds", (await mcp.CallAsync("run_code", new { language = "python", code = "1", timeout_seconds = -3 })).Failed());
        Assert.Contains("sandbox_id", (await mcp.CallAsync("exec", new { sandbox_id = "sandbox-ffffffffffffffffffffffffffffffff", language = "bash", code = "true", sandbox_token = "00" })).Failed());
        var lang = await mcp.CallAsync("run_code", new { language = "cobol", code = "DISPLAY 'HI'." });
        Assert.Contains("language", lang.Failed());
        var slow = await mcp.CallAsync("run_code", new { language = "bash", code = "echo started; sleep 60", timeout_seconds = 2 });
        Assert.Contains("timed out", slow.Failed());
        Assert.Contains("started", slow.Text());
        Assert.True(slow.Data().GetProperty("timed_out").GetBoolean());
        // still a working session
        Assert.Equal("ok\n", (await mcp.CallAsync("run_code", new { language = "bash", code = "echo ok" })).Ok().Data().GetProperty("stdout").GetString());
    }

    [Fact]
    public async Task A_long_exec_reports_its_output_so_far_as_progress()
    {
        await using var mcp = await McpSession.ConnectAsync(server.HttpBase);
        var messages = new ConcurrentQueue<string>();
        var progress = new SynchronousProgress(v => { if (v.Message is { } m) messages.Enqueue(m); });
        var r = (await mcp.CallAsync("run_code", new { language = "python", code = "import time\nfor i in range(4):\n    print('step', i, flush=True)\n    time.sleep(1)" }, progress)).Ok();
        Assert.Contains("step 3", r.Text());
        Assert.Contains(messages, m => m.Contains("step 0") && !m.Contains("step 3"));   // output while it ran, not only at the end
    }

    [Fact]
    public async Task Ten_agent_sessions_run_code_at_once_each_getting_its_own_answer()
    {
        var sessions = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => McpSession.ConnectAsync(server.HttpBase)));
        try
        {
            Assert.Equal(10, sessions.Select(s => s.SessionId).Distinct().Count());
            var results = await Task.WhenAll(sessions.Select((s, i) => s.CallAsync("run_code", new { language = "python", code = $"print({i} * 1000)" })));
            for (var i = 0; i < 10; i++) Assert.Equal($"{i * 1000}\n", results[i].Ok().Data().GetProperty("stdout").GetString());
        }
        finally
        {
            foreach (var s in sessions) await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_session_outlives_a_dropped_connection()
    {
        await using var proxy = new TcpProxy(server.HttpBase);
        var viaProxy = new Uri($"http://127.0.0.1:{proxy.WsBase.Port}");
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        await using var mcp = await McpSession.ConnectAsync(viaProxy, http: http);
        var session = mcp.SessionId;
        var id = (await mcp.CallAsync("create_sandbox", new { idle_timeout = 120 })).Ok().Data().GetProperty("sandbox_id").GetString()!;
        (await mcp.CallAsync("write_file", new { sandbox_id = id, path = "/state.txt", content = "before the cut" })).Ok();
        proxy.Cut();
        // the next call opens a new connection with the same session id: the session (and what it created) is still there
        var read = await Retry(() => mcp.CallAsync("read_file", new { sandbox_id = id, path = "/state.txt" }));
        Assert.Equal("before the cut", read.Ok().Data().GetProperty("content").GetString());
        Assert.Equal(session, mcp.SessionId);
        (await mcp.CallAsync("kill_sandbox", new { sandbox_id = id })).Ok();
    }

    /// <summary>One retry for the call that was on the connection when it was cut (as an agent's runtime would do).</summary>
    private static async Task<T> Retry<T>(Func<Task<T>> call)
    {
        try { return await call(); }
        catch (Exception e) when (e is HttpRequestException or IOException or McpException) { return await call(); }
    }

    private sealed class SynchronousProgress(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => report(value);
    }
}

/// <summary>/mcp with API keys: the same keys and ownership as /v1.</summary>
public class McpKeysSpec(KeyedV1Fixture server) : IClassFixture<KeyedV1Fixture>
{
    [Fact]
    public async Task Without_a_key_the_endpoint_answers_401()
    {
        using var http = new HttpClient { BaseAddress = server.HttpBase };
        var r = await http.PostAsync("/mcp", new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        await Assert.ThrowsAnyAsync<Exception>(() => McpSession.ConnectAsync(server.HttpBase));
        await Assert.ThrowsAnyAsync<Exception>(() => McpSession.ConnectAsync(server.HttpBase, "not-a-key"));
    }

    [Fact]
    public async Task A_sandbox_of_another_key_is_unknown_to_its_sessions()
    {
        await using var mine = await McpSession.ConnectAsync(server.HttpBase, KeyedV1Fixture.Key);
        await using var theirs = await McpSession.ConnectAsync(server.HttpBase, KeyedV1Fixture.OtherKey);
        await using var mineAgain = await McpSession.ConnectAsync(server.HttpBase, KeyedV1Fixture.Key);
        var id = (await mine.CallAsync("create_sandbox", new { idle_timeout = 120 })).Ok().Data().GetProperty("sandbox_id").GetString()!;
        (await theirs.CallAsync("exec", new { sandbox_id = id, language = "bash", code = "echo hi" })).Failed();
        // the key owns it, so another session of the same key needs no token
        Assert.Equal("hi\n", (await mineAgain.CallAsync("exec", new { sandbox_id = id, language = "bash", code = "echo hi" })).Ok().Data().GetProperty("stdout").GetString());
        // and it is the key's like any REST-made sandbox
        using var v1 = new V1Http(server, KeyedV1Fixture.Key);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await v1.DeleteAsync($"/v1/sandboxes/{id}")).Status);
    }

    [Fact]
    public async Task A_session_cannot_be_taken_over_with_another_key()
    {
        await using var mine = await McpSession.ConnectAsync(server.HttpBase, KeyedV1Fixture.Key);
        using var http = new HttpClient { BaseAddress = server.HttpBase };
        using var req = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{}}", System.Text.Encoding.UTF8, "application/json"),
        };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", KeyedV1Fixture.OtherKey);
        req.Headers.Add("Mcp-Session-Id", mine.SessionId);
        req.Headers.Accept.ParseAdd("application/json");
        req.Headers.Accept.ParseAdd("text/event-stream");
        var r = await http.SendAsync(req);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, r.StatusCode);
    }
}
