using System.Diagnostics;
using System.Text.Json;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>
/// The cluster of deploy/local (three hosts, two gateways, PostgreSQL) on BASE_PORT 18600 with an
/// admin token, operated the way an operator would: the real ./sandboxctl, curl-like HTTP, Chromium.
/// </summary>
public sealed class OperationsClusterFixture : LocalClusterFixture
{
    public const string Token = "ops-spec-token-5f1d";
    public override int BasePort => 18_600;

    protected override void AddEnvironment(IDictionary<string, string?> env) => env["SANDBOX_ADMIN_TOKEN"] = Token;

    public record Node(string Name, int Pid, int HttpPort, int AkkaPort, int AdminPort)
    {
        // deploy/local runs remoting with mutual TLS
        public string Address => $"akka.ssl.tcp://sandbox@127.0.0.1:{AkkaPort}";
        public string AdminUrl => $"http://127.0.0.1:{AdminPort}";
        public bool Alive
        {
            get
            {
                try { return !Process.GetProcessById(Pid).HasExited; }
                catch (ArgumentException) { return false; }
            }
        }
    }

    public IReadOnlyList<Node> Nodes => File.ReadAllLines(Path.Combine(Dir, "pids")).Select(l => l.Split(' '))
        .Select(f => new Node(f[0], int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3]), int.Parse(f[4]))).ToList();

    public Node Named(string name) => Nodes.Single(n => n.Name == name);

    public static string RepoRoot => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../.."));

    /// <summary>Runs ./sandboxctl from the repository root: exit code, stdout, stderr.</summary>
    public static async Task<(int Exit, string Out, string Err)> Ctl(string? token, params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(RepoRoot, "sandboxctl"), args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        psi.Environment.Remove("SANDBOXCTL_TOKEN");
        psi.Environment.Remove("SANDBOXCTL_NODE");
        if (token is not null) psi.Environment["SANDBOXCTL_TOKEN"] = token;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"sandboxctl {string.Join(' ', args)} did not finish");
        }
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>sandboxctl --json with the token; fails the test with its stderr on a non-zero exit.</summary>
    public static async Task<JsonElement> CtlJson(string node, params string[] args)
    {
        var (exit, stdout, stderr) = await Ctl(Token, ["--node", node, "--json", .. args]);
        Assert.True(exit == 0, $"sandboxctl {string.Join(' ', args)} exited {exit}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    public static HttpClient Http(string? token = Token)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return http;
    }
}

[Collection(nameof(MultiProcessClusters))]
public class OperationsSpec(OperationsClusterFixture cluster) : IClassFixture<OperationsClusterFixture>
{
    private const string S = "status:";
    private static readonly object Plain = new { idle_timeout = 300 };

    private string Gateway0Admin => cluster.Named("gateway-0").AdminUrl;

    [Fact]
    public async Task Cluster_show_lists_every_running_node_with_its_roles_and_status()
    {
        var shown = await OperationsClusterFixture.CtlJson(Gateway0Admin, "cluster", "show");
        var members = shown.GetProperty("members").EnumerateArray()
            .ToDictionary(m => m.GetProperty("address").GetString()!, m => (Status: m.GetProperty("status").GetString(), Roles: string.Join(",", m.GetProperty("roles").EnumerateArray().Select(r => r.GetString()))));
        foreach (var node in cluster.Nodes.Where(n => n.Alive))
        {
            Assert.True(members.TryGetValue(node.Address, out var m), $"{node.Name} ({node.Address}) is missing from: {string.Join(", ", members.Keys)}");
            Assert.Equal("Up", m.Status);
            Assert.Equal(node.Name.StartsWith("host") ? "sandbox-host" : "gateway", m.Roles);
        }
        Assert.Equal(cluster.Named("gateway-0").Address, shown.GetProperty("self").GetString());

        // and for people: a table with one line per member
        var (exit, table, _) = await OperationsClusterFixture.Ctl(OperationsClusterFixture.Token, "--node", Gateway0Admin, "cluster", "show");
        Assert.Equal(0, exit);
        foreach (var node in cluster.Nodes.Where(n => n.Alive)) Assert.Contains(node.Address, table);
    }

    [Fact]
    public async Task The_admin_API_refuses_requests_without_the_token_and_sandboxctl_says_what_to_do()
    {
        var (exit, _, stderr) = await OperationsClusterFixture.Ctl(null, "--node", Gateway0Admin, "cluster", "show");
        Assert.Equal(3, exit);
        Assert.Contains("--token", stderr);

        using var anonymous = OperationsClusterFixture.Http(null);
        Assert.Equal(401, (int)(await anonymous.GetAsync(Gateway0Admin + "/admin/cluster")).StatusCode);
        Assert.Equal(401, (int)(await anonymous.GetAsync(Gateway0Admin + "/metrics")).StatusCode);
        using var wrong = OperationsClusterFixture.Http("not-the-token");
        Assert.Equal(401, (int)(await wrong.PostAsync(Gateway0Admin + "/admin/cluster/down-unreachable", null)).StatusCode);
        using var right = OperationsClusterFixture.Http();
        Assert.Equal(200, (int)(await right.GetAsync(Gateway0Admin + "/admin/cluster")).StatusCode);

        var (badNode, _, badErr) = await OperationsClusterFixture.Ctl(OperationsClusterFixture.Token, "--node", "http://127.0.0.1:1", "cluster", "show");
        Assert.NotEqual(0, badNode);
        Assert.Contains("cannot reach the admin API", badErr);
    }

    [Fact]
    public async Task Sandbox_locate_finds_the_host_that_runs_the_sandbox()
    {
        var (c, id, _) = await CheckpointSpec.Create(cluster.Gateway1, Plain);
        await using (c)
        {
            var host = cluster.HostRunning(id) ?? throw new InvalidOperationException("no host runs the sandbox");
            var location = await OperationsClusterFixture.CtlJson(cluster.Named("gateway-1").AdminUrl, "sandbox", "locate", id);
            Assert.Equal(cluster.Named(host.Node).Address, location.GetProperty("node").GetString());
            Assert.Equal(cluster.Named(host.Node).Address, location.GetProperty("region").GetString());
            Assert.Equal("running", location.GetProperty("state").GetString());

            var listed = await OperationsClusterFixture.CtlJson(Gateway0Admin, "sandbox", "list");
            Assert.Contains(listed.GetProperty("sandboxes").EnumerateArray(),
                s => s.GetProperty("id").GetString() == id && s.GetProperty("host").GetString() == cluster.Named(host.Node).Address);

            var killed = await OperationsClusterFixture.CtlJson(Gateway0Admin, "sandbox", "kill", id);
            Assert.True(killed.GetProperty("ok").GetBoolean());
            Assert.Contains(S + SandboxStatus.Deleted, await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(30)));
            // deleted: either still known as such, or (once its history is dropped) not found at all
            var (exit, shown, err) = await OperationsClusterFixture.Ctl(OperationsClusterFixture.Token, "--node", Gateway0Admin, "--json", "sandbox", "show", id);
            if (exit == 0) Assert.Equal("ended", JsonDocument.Parse(shown).RootElement.GetProperty("state").GetString());
            else Assert.True(exit == 4 && err.Contains("not found"), $"exit {exit}: {err}");
            var (unknown, _, unknownErr) = await OperationsClusterFixture.Ctl(OperationsClusterFixture.Token, "--node", Gateway0Admin, "sandbox", "show", "sandbox-000000000000000000000000");
            Assert.True(unknown == 4 && unknownErr.Contains("not found"), $"exit {unknown}: {unknownErr}");
        }
    }

    [Fact]
    public async Task Sandboxctl_checkpoints_a_running_sandbox_and_sharding_stats_count_it_on_its_host()
    {
        var (c, id, token) = await CheckpointSpec.Create(cluster.Gateway1, new { idle_timeout = 300, enable_checkpoint = true });
        await using (c)
        {
            await CheckpointSpec.Run(c, "bash", "echo kept > /tmp/kept.txt");
            var host = cluster.HostRunning(id) ?? throw new InvalidOperationException("no host runs the sandbox");
            var hostAddress = cluster.Named(host.Node).Address;

            var regions = await OperationsClusterFixture.CtlJson(Gateway0Admin, "sharding", "regions");
            Assert.Contains(hostAddress, regions.GetProperty("regions").EnumerateArray().Select(r => r.GetString()));
            var stats = await OperationsClusterFixture.CtlJson(Gateway0Admin, "sharding", "stats");
            var onHost = stats.GetProperty("regions").EnumerateArray().Single(r => r.GetProperty("address").GetString() == hostAddress);
            Assert.True(onHost.GetProperty("entities").GetInt32() >= 1, onHost.GetRawText());
            Assert.Contains(onHost.GetProperty("entitiesByShard").EnumerateObject(), shard => shard.Name == Sandbox.Actors.Placement.PlacementView.ShardOf(id));

            var done = await OperationsClusterFixture.CtlJson(Gateway0Admin, "sandbox", "checkpoint", id);
            Assert.True(done.GetProperty("ok").GetBoolean(), done.GetRawText());
            // the attached client hears it like a checkpoint it asked for
            Assert.Contains(S + SandboxStatus.Checkpointed, await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(30)));
        }

        await using var again = await WsClient.ConnectAsync(new Uri(cluster.Gateway2, $"/attach/{id}?sandbox_token={token}"));
        Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running], await again.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.Contains("ERROR"), TimeSpan.FromSeconds(60)));
        Assert.Equal("kept\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(again, "bash", "cat /tmp/kept.txt")));
        await again.SendAsync(new { action = "kill_sandbox" });
        await again.ReadUntilClosedAsync();
    }

    [Fact]
    public async Task Metrics_count_the_execution_and_its_output_after_a_sandbox_runs()
    {
        var hosts = cluster.Nodes.Where(n => n.Name.StartsWith("host") && n.Alive).ToList();
        var before = await Scrape(hosts);
        var (c, _, _) = await CheckpointSpec.Create(cluster.Gateway1, Plain);
        await using (c)
        {
            var ran = await CheckpointSpec.Run(c, "python", "print('x' * 1000)");
            Assert.Equal(new string('x', 1000) + "\n", CheckpointSpec.Stdout(ran));
            await c.SendAsync(new { action = "kill_sandbox" });
            await c.ReadUntilClosedAsync();
        }
        var after = await Scrape(hosts);
        Assert.Equal(before.GetValueOrDefault("sandbox_executions_total") + 1, after.GetValueOrDefault("sandbox_executions_total"));
        Assert.Equal(before.GetValueOrDefault("sandbox_exec_duration_seconds_count") + 1, after.GetValueOrDefault("sandbox_exec_duration_seconds_count"));
        Assert.True(after.GetValueOrDefault("sandbox_create_duration_seconds_count") > before.GetValueOrDefault("sandbox_create_duration_seconds_count"), "no create was timed");
        Assert.True(after.GetValueOrDefault("sandbox_output_bytes_total") >= before.GetValueOrDefault("sandbox_output_bytes_total") + 1001, "the 1001 bytes of output were not counted");
        Assert.True(after.GetValueOrDefault("sandbox_journal_write_duration_seconds_count") > before.GetValueOrDefault("sandbox_journal_write_duration_seconds_count"), "no journal write was timed");
    }

    /// <summary>Sums each metric's samples over every host's /metrics.</summary>
    private static async Task<Dictionary<string, double>> Scrape(IEnumerable<OperationsClusterFixture.Node> hosts)
    {
        using var http = OperationsClusterFixture.Http();
        var sums = new Dictionary<string, double>();
        foreach (var h in hosts)
        {
            var text = await http.GetStringAsync(h.AdminUrl + "/metrics");
            foreach (var line in text.Split('\n').Where(l => l.StartsWith("sandbox_")))
            {
                var name = line[..line.IndexOfAny(['{', ' '])];
                sums[name] = sums.GetValueOrDefault(name) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return sums;
    }

    [Fact]
    public async Task The_dashboard_shows_members_and_sandboxes_in_a_headless_browser()
    {
        var (c, id, _) = await CheckpointSpec.Create(cluster.Gateway1, Plain);
        await using (c)
        {
            var outDir = Path.Combine(cluster.Dir, "dashboard-test");
            Directory.CreateDirectory(outDir);
            var url = $"{Gateway0Admin}/?access_token={OperationsClusterFixture.Token}";
            var dom = await Chromium(outDir, "--dump-dom", url);
            foreach (var node in cluster.Nodes.Where(n => n.Alive)) Assert.Contains(node.Address, dom);
            Assert.Contains(id, dom);
            Assert.Contains("members up", dom);

            var png = Path.Combine(outDir, "dashboard.png");
            await Chromium(outDir, $"--screenshot={png}", url);
            var bytes = await File.ReadAllBytesAsync(png);
            Assert.True(bytes.Length > 1000, $"screenshot of {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);

            await c.SendAsync(new { action = "kill_sandbox" });
            await c.ReadUntilClosedAsync();
        }
    }

    private static async Task<string> Chromium(string outDir, string what, string url)
    {
        var psi = new ProcessStartInfo("chromium",
            ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900", "--virtual-time-budget=5000", $"--user-data-dir={Path.Combine(outDir, "profile")}", what, url])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("chromium did not start (scripts/install-deps.sh installs it)");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException("chromium did not finish: " + await stderr); }
        Assert.True(p.ExitCode == 0, $"chromium exited {p.ExitCode}: {await stderr}");
        return await stdout;
    }

    [Fact]
    public async Task A_host_shows_its_actor_hierarchy_its_recent_log_and_streams_cluster_events()
    {
        var host = cluster.Nodes.First(n => n.Name.StartsWith("host") && n.Alive);
        var actors = await OperationsClusterFixture.CtlJson(host.AdminUrl, "actors", "--path", "/user", "--depth", "2");
        Assert.Contains(actors.GetProperty("root").GetProperty("children").EnumerateArray(), c => c.GetProperty("path").GetString() == "/user/host-agent");

        var logs = await OperationsClusterFixture.CtlJson(host.AdminUrl, "logs", "peek", "-n", "500");
        Assert.Contains(logs.GetProperty("lines").EnumerateArray(), l => l.GetProperty("text").GetString()!.Contains("Admin API"));

        // `cluster tail` starts with the current members as events, then follows changes until stopped
        var psi = new ProcessStartInfo(Path.Combine(OperationsClusterFixture.RepoRoot, "sandboxctl"), ["--node", host.AdminUrl, "cluster", "tail"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["SANDBOXCTL_TOKEN"] = OperationsClusterFixture.Token;
        using var tail = Process.Start(psi)!;
        try
        {
            var seen = new List<string>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (seen.Count(l => l.Contains("MemberUp")) < cluster.Nodes.Count(n => n.Alive) && await tail.StandardOutput.ReadLineAsync(cts.Token) is { } line)
                seen.Add(line);
            foreach (var node in cluster.Nodes.Where(n => n.Alive)) Assert.Contains(seen, l => l.Contains("MemberUp") && l.Contains(node.Address));
        }
        finally
        {
            tail.Kill(entireProcessTree: true);
            await tail.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Readiness_turns_false_while_the_journal_is_down_and_true_again_after()
    {
        var hosts = cluster.Nodes.Where(n => n.Name.StartsWith("host") && n.Alive).Select(n => $"http://127.0.0.1:{n.HttpPort}/healthz/ready").ToList();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var ready in hosts) Assert.Equal(200, (int)(await http.GetAsync(ready)).StatusCode);
        await cluster.RunScript("pg-stop", TimeSpan.FromMinutes(1));
        try
        {
            foreach (var ready in hosts) Assert.Contains("journal", await WaitFor(http, ready, 503, TimeSpan.FromSeconds(20)));
        }
        finally
        {
            await cluster.RunScript("pg-start", TimeSpan.FromMinutes(1));
        }
        foreach (var ready in hosts) await WaitFor(http, ready, 200, TimeSpan.FromSeconds(30));

        // and the journal works again for sandboxes: a lookup replays (nothing) from it on some host
        foreach (var id in new[] { "sandbox-0000000000000000000000aa", "sandbox-0000000000000000000000bb", "sandbox-0000000000000000000000cc" })
        {
            var (exit, _, err) = await OperationsClusterFixture.Ctl(OperationsClusterFixture.Token, "--node", Gateway0Admin, "sandbox", "show", id);
            Assert.True(exit == 4 && err.Contains("not found"), $"exit {exit}: {err}");
        }
    }

    private static async Task<string> WaitFor(HttpClient http, string url, int status, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        string last;
        while (true)
        {
            var r = await http.GetAsync(url);
            last = await r.Content.ReadAsStringAsync();
            if ((int)r.StatusCode == status) return last;
            Assert.True(DateTime.UtcNow < deadline, $"{url} did not answer {status} within {within.TotalSeconds} s; last: {last}");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task Node_drain_empties_a_host_and_its_checkpointed_sandbox_restores_on_another()
    {
        var (keeper, keptId, keptToken) = await CheckpointSpec.Create(cluster.Gateway1, new { idle_timeout = 300, enable_checkpoint = true });
        var others = new List<(WsClient Client, string Id)>();
        try
        {
            await CheckpointSpec.Run(keeper, "bash", "echo kept > /tmp/note");
            await keeper.DisposeAsync();
            for (var i = 0; i < 2; i++)
            {
                var (c, id, _) = await CheckpointSpec.Create(cluster.Gateway1, Plain);
                others.Add((c, id));
            }
            var location = await OperationsClusterFixture.CtlJson(Gateway0Admin, "sandbox", "locate", keptId);
            var drained = cluster.Nodes.Single(n => n.Address == location.GetProperty("node").GetString());
            var onDrained = others.Where(o => cluster.HostRunning(o.Id)?.Node == drained.Name).Select(o => o.Id).ToList();

            var report = await OperationsClusterFixture.CtlJson(drained.AdminUrl, "node", "drain", "--timeout", "120");

            Assert.True(report.GetProperty("left").GetBoolean(), report.ToString());
            Assert.Empty(report.GetProperty("remainingOnNode").EnumerateArray());
            var outcomes = report.GetProperty("sandboxes").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("state").GetString());
            Assert.Equal("paused", outcomes[keptId]);
            foreach (var id in onDrained) Assert.Equal("ended", outcomes[id]);
            // nothing of the drained host's sandboxes runs on it any more, and the process ends
            Assert.Null(cluster.HostRunning(keptId));
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (drained.Alive && DateTime.UtcNow < deadline) await Task.Delay(250);
            Assert.False(drained.Alive, $"{drained.Name} still runs after leaving");
            var members = await OperationsClusterFixture.CtlJson(Gateway0Admin, "cluster", "show");
            Assert.DoesNotContain(members.GetProperty("members").EnumerateArray(),
                m => m.GetProperty("address").GetString() == drained.Address && m.GetProperty("status").GetString() == "Up");

            // the checkpointed sandbox comes back on a host that stayed, with its files
            await using var back = await WsClient.ConnectAsync(new Uri(cluster.Gateway2, $"/attach/{keptId}?sandbox_token={keptToken}"));
            Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running],
                await back.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.Contains("ERROR"), TimeSpan.FromSeconds(90)));
            var now = await OperationsClusterFixture.CtlJson(Gateway0Admin, "sandbox", "locate", keptId);
            Assert.NotEqual(drained.Address, now.GetProperty("node").GetString());
            Assert.Equal("kept\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(back, "bash", "cat /tmp/note")));
            await back.SendAsync(new { action = "kill_sandbox" });
            await back.ReadUntilClosedAsync();
        }
        finally
        {
            foreach (var (c, id) in others)
            {
                try { await OperationsClusterFixture.Ctl(OperationsClusterFixture.Token, "--node", Gateway0Admin, "sandbox", "kill", id); } catch (Exception) { }
                await c.DisposeAsync();
            }
        }
    }
}

/// <summary>A node whose admin API would be reachable from other machines refuses to start without a token.</summary>
public class AdminAccessSpec
{
    [Fact]
    public async Task A_node_refuses_to_start_with_its_admin_API_off_loopback_and_no_token()
    {
        var dataDir = Directory.CreateTempSubdirectory("sandbox-admin-access-").FullName;
        try
        {
            var dll = Path.Combine(OperationsClusterFixture.RepoRoot, "Sandbox.Host/bin/Release/net10.0/Sandbox.Host.dll");
            var psi = new ProcessStartInfo("dotnet", [File.Exists(dll) ? dll : typeof(Sandbox.Host.SandboxServer).Assembly.Location]) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["SANDBOX_ADMIN_HOST"] = "0.0.0.0";
            psi.Environment["SANDBOX_ADMIN_PORT"] = "18699";
            psi.Environment.Remove("SANDBOX_ADMIN_TOKEN");
            psi.Environment["PORT"] = "18698";
            psi.Environment["SANDBOX_DATA_DIR"] = dataDir;
            psi.Environment["SANDBOX_WARM_POOL_SIZE"] = "0";
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail("the node started although its admin API would listen on 0.0.0.0 without a token");
            }
            Assert.Equal(2, p.ExitCode);
            var err = await stderr;
            Assert.Contains("SANDBOX_ADMIN_TOKEN", err);
            Assert.Contains("0.0.0.0", err);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
