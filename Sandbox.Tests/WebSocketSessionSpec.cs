using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>The WebSocket protocol (PROTOCOL.md §4–§9) as the reference clients use it, exact event order included.</summary>
public class WebSocketSessionSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string S = "status:";

    private async Task<(WsClient Client, string Id, string Token)> Create(object? init = null)
    {
        var c = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"));
        await c.SendAsync(init ?? new { idle_timeout = 60 });
        var events = await c.ReadUntilAsync(e => e.StartsWith(S + SandboxStatus.Running) || e.Contains("ERROR"));
        Assert.Equal(S + SandboxStatus.Creating, events[0]);
        Assert.StartsWith("sandbox_id:", events[1]);
        Assert.Equal(S + SandboxStatus.Running, events[2]);
        var parts = events[1].Split(':');
        return (c, parts[1], parts[2]);
    }

    private Task<WsClient> Attach(string id, string token) =>
        WsClient.ConnectAsync(new Uri(server.WsBase, $"/attach/{id}?sandbox_token={token}"));

    [Fact]
    public async Task Create_sends_creating_then_the_id_with_an_unguessable_token_then_running()
    {
        var (c, id, token) = await Create();
        await using var _ = c;
        Assert.Matches("^sandbox-[0-9a-f]{24}$", id);
        Assert.Matches("^[0-9a-f]{32}$", token);
    }

    [Fact]
    public async Task Execution_streams_running_output_and_done_in_order()
    {
        var (c, _, _) = await Create();
        await using var _c = c;
        await c.SendAsync(new { language = "python", code = "import sys\nprint('out')\nprint('err', file=sys.stderr)" });
        var events = await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone);
        Assert.Equal(S + SandboxStatus.ExecutionRunning, events[0]);
        Assert.Contains("stdout:out\n", events);
        Assert.Contains("stderr:err\n", events);
        Assert.Equal(S + SandboxStatus.ExecutionDone, events[^1]);

        // a non-zero exit is not an error, and the sandbox keeps its files between executions
        await c.SendAsync(new { language = "bash", code = "echo kept > /tmp/f; cat /tmp/f; exit 1" });
        events = await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone);
        Assert.Equal([S + SandboxStatus.ExecutionRunning, "stdout:kept\n", S + SandboxStatus.ExecutionDone], events);
    }

    [Fact]
    public async Task Stdin_reaches_the_running_program_in_order()
    {
        var (c, _, _) = await Create();
        await using var _c = c;
        await c.SendAsync(new { language = "python", code = "a = input()\nb = input()\nprint(b + a)" });
        await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionRunning);
        await c.SendAsync(new { @event = "stdin", data = "one\n" });
        await c.SendAsync(new { @event = "stdin", data = "two\n" });
        var events = await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone);
        Assert.Equal(["stdout:twoone\n", S + SandboxStatus.ExecutionDone], events);
    }

    [Fact]
    public async Task A_second_execution_while_one_runs_is_refused_without_a_stray_done()
    {
        var (c, _, _) = await Create();
        await using var _c = c;
        await c.SendAsync(new { language = "bash", code = "sleep 1; echo finished" });
        await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionRunning);
        await c.SendAsync(new { language = "bash", code = "echo second" });
        var events = await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone);
        Assert.Equal([S + SandboxStatus.ExecutionError, "error:An execution is already in progress.", "stdout:finished\n", S + SandboxStatus.ExecutionDone], events);
    }

    [Fact]
    public async Task Kill_process_sends_force_killed_before_done_and_a_new_execution_works_after()
    {
        var (c, _, _) = await Create();
        await using var _c = c;
        await c.SendAsync(new { language = "bash", code = "echo 'Process 1'; sleep 30" });
        await c.ReadUntilAsync(e => e == "stdout:Process 1\n");
        await c.SendAsync(new { action = "kill_process" });
        var events = await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone, TimeSpan.FromSeconds(10));
        Assert.Equal([S + SandboxStatus.ExecutionForceKilled, S + SandboxStatus.ExecutionDone], events);

        // stdin after a kill: no process
        await c.SendAsync(new { @event = "stdin", data = "x\n" });
        Assert.Equal([S + SandboxStatus.ExecutionError, "error:No process is running in the sandbox."], await c.ReadUntilAsync(e => e.StartsWith("error:")));

        await c.SendAsync(new { language = "bash", code = "echo again" });
        Assert.Equal([S + SandboxStatus.ExecutionRunning, "stdout:again\n", S + SandboxStatus.ExecutionDone], await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone));
    }

    [Fact]
    public async Task Kill_sandbox_deletes_before_killed_then_closes_normally_and_attach_finds_nothing()
    {
        var (c, id, token) = await Create();
        await c.SendAsync(new { action = "kill_sandbox" });
        var events = await c.ReadUntilClosedAsync();
        Assert.Equal([S + SandboxStatus.Killing, S + SandboxStatus.Deleting, S + SandboxStatus.Deleted, S + SandboxStatus.Killed], events);
        Assert.Equal(1000, c.CloseStatus);
        await c.DisposeAsync();

        await using var again = await Attach(id, token);
        Assert.Equal([S + SandboxStatus.NotFound], await again.ReadUntilClosedAsync());
        Assert.Equal(1011, again.CloseStatus);
    }

    [Fact]
    public async Task Malformed_input_is_answered_and_the_session_stays_usable()
    {
        var (c, _, _) = await Create();
        await using var _c = c;
        await c.SendTextAsync("{not json");
        Assert.Equal(S + SandboxStatus.Error, (await c.ReadUntilAsync(e => e.StartsWith(S)))[^1]);
        await c.ReadUntilAsync(e => e.StartsWith("error:"));
        await c.SendTextAsync("[1,2]");
        await c.ReadUntilAsync(e => e.StartsWith("error:") && e.Contains("JSON object"));
        await c.SendAsync(new { action = "dance" });
        Assert.Equal([S + SandboxStatus.ExecutionUnsupportedLanguageError, "error:Unsupported language: 'None'. Supported languages are: python, bash"],
            await c.ReadUntilAsync(e => e.StartsWith("error:")));
        await c.SendAsync(new { language = "python" });
        Assert.Equal(S + SandboxStatus.ExecutionError, (await c.ReadUntilAsync(e => e.StartsWith("error:")))[0]);
        await c.SendAsync(new { @event = "stdin" });
        Assert.Equal(S + SandboxStatus.StdinError, (await c.ReadUntilAsync(e => e.StartsWith("error:")))[0]);

        await c.SendAsync(new { language = "python", code = "print('still here')" });
        Assert.Contains("stdout:still here\n", await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone));
    }

    [Fact]
    public async Task Attach_checks_the_token_and_refuses_a_second_client()
    {
        var (c, id, token) = await Create();
        await using var _c = c;

        await using (var wrong = await Attach(id, new string('0', 32)))
        {
            Assert.Equal([S + SandboxStatus.PermissionDenialError, "error:Invalid sandbox token."], await wrong.ReadUntilClosedAsync());
            Assert.Equal(4000, wrong.CloseStatus);
        }
        await using (var empty = await Attach(id, ""))
        {
            Assert.Equal([S + SandboxStatus.PermissionDenialError, "error:Sandbox token is missing."], await empty.ReadUntilClosedAsync());
        }
        await using (var second = await Attach(id, token))
        {
            Assert.Equal([S + SandboxStatus.InUse], await second.ReadUntilClosedAsync());
            Assert.Equal(1011, second.CloseStatus);
        }
        await using (var unknown = await Attach("sandbox-000000000000000000000000", token))
        {
            Assert.Equal([S + SandboxStatus.NotFound], await unknown.ReadUntilClosedAsync());
        }
    }

    [Fact]
    public async Task Attach_without_the_token_parameter_is_refused_at_the_handshake()
    {
        var ex = await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(() =>
            WsClient.ConnectAsync(new Uri(server.WsBase, "/attach/sandbox-000000000000000000000000")));
        Assert.Contains("403", ex.Message);
    }

    [Fact]
    public async Task Reconnect_after_a_dropped_socket_delivers_what_was_missed_then_done()
    {
        var (c, id, token) = await Create();
        // lines 0-3, a pause in which the client's connection drops, then 4-29 while it is away
        await c.SendAsync(new { language = "python", code = "import time\nfor i in range(4): print(i)\ntime.sleep(1)\nfor i in range(4, 30):\n    print(i)\n    time.sleep(0.01)" });
        var seen = new List<string>();
        while (!CheckpointSpec.Stdout(seen).EndsWith("3\n")) seen.AddRange(await c.ReadUntilAsync(e => e.StartsWith("stdout:")));
        c.Socket.Abort();   // the connection drops mid-execution
        c.Socket.Dispose();
        await Task.Delay(500);

        await using var again = await Attach(id, token);
        await again.SendAsync(new { action = "reconnect" });   // sent at once, before RUNNING arrives
        var events = await again.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone);
        Assert.Equal(S + SandboxStatus.Running, events[0]);
        Assert.Equal(S + SandboxStatus.ExecutionRunning, events[1]);
        var lines = CheckpointSpec.Stdout(seen.Concat(events)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i.ToString()), lines);   // nothing lost, nothing twice

        // with nothing in flight, reconnect answers DONE only
        await again.SendAsync(new { action = "reconnect" });
        Assert.Equal([S + SandboxStatus.ExecutionDone], await again.ReadUntilAsync(e => e.StartsWith(S)));
    }

    [Fact]
    public async Task Creation_options_that_need_storage_are_refused_with_the_protocol_errors()
    {
        await using var c = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"));
        await c.SendAsync(new { idle_timeout = 60, enable_sandbox_handoff = true });
        var events = await c.ReadUntilClosedAsync();
        Assert.Equal(S + SandboxStatus.Creating, events[0]);
        Assert.Equal(S + SandboxStatus.CreationError, events[1]);
        Assert.StartsWith("error:", events[2]);
        Assert.Equal(4000, c.CloseStatus);
    }

    [Fact]
    public async Task Idle_time_counts_from_the_last_activity_and_an_idle_sandbox_is_deleted_and_its_client_told()
    {
        var (c, _, _) = await Create(new { idle_timeout = 2 });
        await using var _c = c;
        // busy for twice the timeout: stdin, executions and output all count as activity
        var until = DateTime.UtcNow.AddSeconds(4);
        var idleFrom = DateTime.UtcNow;
        while (DateTime.UtcNow < until)
        {
            await Task.Delay(700);
            await c.SendAsync(new { language = "bash", code = "echo busy" });
            Assert.Equal(S + SandboxStatus.ExecutionDone, (await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone))[^1]);
            idleFrom = DateTime.UtcNow;
        }
        var events = await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(15));
        Assert.Equal([S + SandboxStatus.Deleting, S + SandboxStatus.Deleted], events);
        Assert.InRange((DateTime.UtcNow - idleFrom).TotalSeconds, 1.5, 6);
    }

    [Fact]
    public async Task Operators_can_list_suspend_resume_and_delete_a_sandbox_over_http()
    {
        var (c, id, _) = await Create();
        await using var _c = c;
        using var http = new HttpClient { BaseAddress = server.HttpBase };

        var list = await http.GetStringAsync("/list");
        Assert.Contains(id, list);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.PostAsync($"/containers/{id}/suspend", null)).StatusCode);
        Assert.Contains("paused", await http.GetStringAsync("/list"));
        var resumed = await http.PostAsync($"/containers/{id}/resume", null);
        Assert.Equal(System.Net.HttpStatusCode.OK, resumed.StatusCode);
        Assert.Contains($"App {id} restored", await resumed.Content.ReadAsStringAsync());

        await c.SendAsync(new { language = "bash", code = "echo alive" });
        Assert.Contains("stdout:alive\n", await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone));

        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.DeleteAsync($"/containers/{id}")).StatusCode);
        Assert.Equal([S + SandboxStatus.Deleting, S + SandboxStatus.Deleted], await c.ReadUntilClosedAsync());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.PostAsync($"/containers/{id}/suspend", null)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.PostAsync("/containers/..%2Fetc/suspend", null)).StatusCode);
    }
}
