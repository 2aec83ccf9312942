using System.Security.Cryptography;
using Sandbox.Client;
using Sandbox.Client.AI;
using Sandbox.Tests.Api;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Client;

/// <summary>The SDK over API v1 against a real server.</summary>
public class ClientV1Spec(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_sandbox_is_created_with_labels_found_by_them_and_deleted_with_its_fate_kept()
    {
        using var client = new SandboxClient(server.HttpBase);
        var run = Guid.NewGuid().ToString("N")[..8];
        var sandbox = await client.CreateSandboxAsync(new CreateSandboxOptions { IdleTimeout = 120, TtlSeconds = 900, Labels = new Dictionary<string, string> { ["run"] = run } });
        Assert.NotNull(sandbox.Token);
        Assert.Equal("running", sandbox.LastKnown!.State);
        var found = await client.ListSandboxesAsync(new Dictionary<string, string> { ["run"] = run });
        Assert.Equal([sandbox.Id], found.Select(s => s.SandboxId));
        var ttl = await sandbox.SetTtlAsync(TimeSpan.FromMinutes(30));
        Assert.InRange(ttl.ExpiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(31));
        await sandbox.DeleteAsync();
        var ended = await sandbox.GetAsync();
        Assert.Equal("ended", ended.State);
        Assert.Equal("killed", ended.EndedReason);
        Assert.Contains(await sandbox.GetEventsAsync(), e => e.Type == "created");
    }

    [Fact]
    public async Task Problems_become_typed_exceptions_with_the_servers_detail()
    {
        using var client = new SandboxClient(server.HttpBase);
        var missing = await Assert.ThrowsAsync<SandboxNotFoundException>(() => client.GetSandbox("sandbox-ffffffffffffffffffffffffffffffff", "00").GetAsync());
        Assert.False(string.IsNullOrWhiteSpace(missing.Detail));
        var invalid = await Assert.ThrowsAsync<SandboxValidationException>(() => client.CreateSandboxAsync(new CreateSandboxOptions { OnIdle = "explode" }));
        Assert.Equal("on_idle", invalid.Field);
        var sandbox = await client.CreateSandboxAsync(new CreateSandboxOptions { IdleTimeout = 120 });
        await Assert.ThrowsAsync<SandboxAccessDeniedException>(() => client.GetSandbox(sandbox.Id).GetAsync());
        await Assert.ThrowsAsync<SandboxNotFoundException>(() => sandbox.Files.ReadTextAsync("/no/such/file"));
        await sandbox.DeleteAsync();
        await Assert.ThrowsAsync<SandboxConflictException>(() => sandbox.ExecAsync("bash", "true"));
    }

    [Fact]
    public async Task Files_go_in_and_out_as_streams()
    {
        using var client = new SandboxClient(server.HttpBase);
        var sandbox = await client.CreateSandboxAsync(new CreateSandboxOptions { IdleTimeout = 120 });
        var written = await sandbox.Files.WriteAsync("/data/blob.bin", new PatternStream(5_000_000));
        Assert.Equal(5_000_000, written.Size);
        await using (var read = await sandbox.Files.OpenReadAsync("/data/blob.bin"))
        {
            Assert.Equal(5_000_000, read.Length);
            Assert.Equal(SHA256.HashData(new PatternStream(5_000_000)), await SHA256.HashDataAsync(read));
        }
        await sandbox.Files.MakeDirectoryAsync("/data/sub");
        await sandbox.Files.WriteTextAsync("/data/sub/a.txt", "héllo");
        Assert.Equal("héllo", await sandbox.Files.ReadTextAsync("/data/sub/a.txt"));
        Assert.Equal(new[] { "blob.bin", "sub" }, (await sandbox.Files.ListAsync("/data")).Select(e => e.Name).Order());
        Assert.Equal("dir", (await sandbox.Files.StatAsync("/data/sub")).Type);
        await sandbox.Files.DeleteAsync("/data/sub", recursive: true);
        await Assert.ThrowsAsync<SandboxNotFoundException>(() => sandbox.Files.StatAsync("/data/sub"));

        using var watching = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var watch = Task.Run(async () =>
        {
            await foreach (var change in sandbox.Files.WatchAsync("/data", recursive: true, watching.Token))
                if (change.Path == "/data/watched.txt") return change;
            return null;
        });
        await Task.Delay(1000);
        await sandbox.Files.WriteTextAsync("/data/watched.txt", "x");
        Assert.NotNull(await watch);
        watching.Cancel();
        await sandbox.DeleteAsync();
    }

    [Fact]
    public async Task Process_output_resumes_by_offset_after_cut_connections_without_duplicates()
    {
        await using var proxy = new TcpProxy(server.HttpBase);
        using var direct = new SandboxClient(server.HttpBase);
        using var viaProxy = new SandboxClient(new Uri($"http://127.0.0.1:{proxy.WsBase.Port}"));
        var sandbox = await direct.CreateSandboxAsync(new CreateSandboxOptions { IdleTimeout = 120 });
        var process = await sandbox.Processes.StartAsync(ProcessStartOptions.Script("python", "import time\nfor i in range(400):\n    print(f'line-{i:04d}', flush=True)\n    time.sleep(0.01)"));
        var flaky = viaProxy.GetSandbox(sandbox.Id, sandbox.Token).Processes.Get(process.Id);
        var bytes = new MemoryStream();
        long expectedOffset = 0;
        var cuts = 0;
        await foreach (var chunk in flaky.ReadOutputAsync(0, follow: true, new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token))
        {
            if (chunk.Stream == OutputStream.Exit) { Assert.Equal(0, chunk.ExitCode); break; }
            Assert.Equal(expectedOffset, chunk.Offset);   // no chunk repeated, none skipped
            bytes.Write(chunk.Data.Span);
            expectedOffset = chunk.End;
            if (cuts < 3 && bytes.Length > 1000 * (cuts + 1)) { proxy.Cut(); cuts++; }
        }
        Assert.Equal(3, cuts);
        Assert.Equal(string.Concat(Enumerable.Range(0, 400).Select(i => $"line-{i:0000}\n")), System.Text.Encoding.UTF8.GetString(bytes.ToArray()));
        await sandbox.DeleteAsync();
    }

    [Fact]
    public async Task Processes_take_stdin_signals_and_run_on_a_terminal()
    {
        using var client = new SandboxClient(server.HttpBase);
        var sandbox = await client.CreateSandboxAsync(new CreateSandboxOptions { IdleTimeout = 120 });
        var cat = await sandbox.Processes.StartAsync(ProcessStartOptions.Command("cat"));
        await cat.WriteStdinAsync("echo me", eof: true);
        Assert.Equal("echo me", (await cat.WaitAsync()).Stdout);

        var sleeper = await sandbox.Processes.StartAsync(ProcessStartOptions.Command("sleep", "300"));
        Assert.Contains(await sandbox.Processes.ListAsync(), p => p.ProcessId == sleeper.Id && p.State == "running");
        await sleeper.SignalAsync("KILL");
        Assert.Equal("KILL", (await sleeper.WaitAsync()).Signal);

        var shell = await sandbox.Processes.StartAsync(new ProcessStartOptions { Cmd = ["bash", "-i"], Pty = new TerminalSize(80, 24) });
        await using var terminal = await shell.AttachTerminalAsync();
        await terminal.ResizeAsync(101, 31);
        await terminal.WriteAsync("stty size; exit 3\n");
        var screen = new System.Text.StringBuilder();
        int? exit = null;
        await foreach (var e in terminal.ReadAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token))
        {
            if (e.Exited) exit = e.ExitCode;
            else screen.Append(System.Text.Encoding.UTF8.GetString(e.Output.Span));
        }
        Assert.Contains("31 101", screen.ToString());
        Assert.Equal(3, exit);
        await sandbox.DeleteAsync();
    }

    [Fact]
    public async Task Pause_resume_fork_and_network_policy()
    {
        using var client = new SandboxClient(server.HttpBase);
        var sandbox = await client.CreateSandboxAsync(new CreateSandboxOptions { IdleTimeout = 120, EnableCheckpoint = true, Network = NetworkPolicy.None });
        await sandbox.Files.WriteTextAsync("/state", "shared");
        Assert.Equal("paused", (await sandbox.PauseAsync()).State);
        Assert.Equal("running", (await sandbox.ResumeAsync()).State);
        var forks = await sandbox.ForkAsync(2);
        Assert.Equal(2, forks.Count);
        foreach (var f in forks)
        {
            Assert.Equal("shared", await f.Files.ReadTextAsync("/state"));
            await f.DeleteAsync();
        }
        // this server runs without networking (RUNSC_DISABLE_NETWORKING unset): only none is possible
        await Assert.ThrowsAsync<Sandbox.Client.SandboxConflictException>(() => sandbox.SetNetworkAsync(NetworkPolicy.AllowList("203.0.113.0/24")));
        var policy = await sandbox.SetNetworkAsync(NetworkPolicy.None);
        Assert.Equal("none", policy.Egress);
        Assert.Equal("none", (await sandbox.GetAsync()).Network!.Egress);
        await sandbox.DeleteAsync();
    }

    [Fact]
    public async Task The_sandbox_as_ai_functions_runs_code_and_reports_failures_as_text()
    {
        using var client = new SandboxClient(server.HttpBase);
        var sandbox = await client.CreateSandboxAsync(new CreateSandboxOptions { IdleTimeout = 120 });
        var tools = sandbox.AsAIFunctions().ToDictionary(t => t.Name);
        Assert.Equal(new[] { "exec", "list_files", "read_file", "write_file" }, tools.Keys.Order());
        Assert.Contains("language", tools["exec"].JsonSchema.GetRawText());
        await tools["write_file"].InvokeAsync(new() { ["path"] = "/w/x.py", ["content"] = "print(2**10)" });
        var exec = (await tools["exec"].InvokeAsync(new() { ["language"] = "bash", ["code"] = "python3 /w/x.py" }))!.ToString()!;
        Assert.Contains("Exit code: 0", exec);
        Assert.Contains("1024", exec);
        Assert.Contains("x.py", (await tools["list_files"].InvokeAsync(new() { ["path"] = "/w" }))!.ToString());
        Assert.Contains("Error (404)", (await tools["read_file"].InvokeAsync(new() { ["path"] = "/w/none" }))!.ToString());
        var fresh = (await client.RunCodeFunction().InvokeAsync(new() { ["language"] = "python", ["code"] = "print('isolated')" }))!.ToString()!;
        Assert.Contains("isolated", fresh);
        await sandbox.DeleteAsync();
    }
}

/// <summary>The SDK with API keys.</summary>
public class ClientKeysSpec(KeyedV1Fixture server) : IClassFixture<KeyedV1Fixture>
{
    [Fact]
    public async Task Without_a_key_calls_fail_as_authentication_errors_and_with_one_they_work()
    {
        using var anonymous = new SandboxClient(server.HttpBase);
        var e = await Assert.ThrowsAsync<SandboxAuthenticationException>(() => anonymous.ListSandboxesAsync());
        Assert.Contains("Authorization: Bearer", e.Detail);
        await Assert.ThrowsAsync<SandboxAuthenticationException>(() => anonymous.CreateSessionAsync());
        using var keyed = new SandboxClient(server.HttpBase, KeyedV1Fixture.Key);
        await using var session = await keyed.CreateSessionAsync();
        Assert.Equal("ok\n", (await (await session.ExecAsync("bash", "echo ok")).WaitAsync()).Stdout);
        await session.KillSandboxAsync();
    }
}
