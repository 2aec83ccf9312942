using System.Diagnostics;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Api;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>
/// Several host processes (deploy/local/cluster.sh: PostgreSQL, three sandbox hosts, two gateways)
/// started once for this class and stopped after it.
/// </summary>
public class LocalClusterFixture : IAsyncLifetime
{
    /// <summary>A cluster uses BASE_PORT up to BASE_PORT+204; random bases stay in 17_000–17_800 so that
    /// they never meet the clusters of other specs (OperationsSpec's 16_000–16_894, 19_000) when they run at once.</summary>
    public virtual int BasePort { get; } = 17_000 + Random.Shared.Next(0, 60) * 10;
    /// <summary>Each host's room, small so that a test can fill the cluster.</summary>
    public const int SandboxesPerHost = 2;
    public string Dir => Path.Combine(Path.GetTempPath(), $"sandbox-cluster-{BasePort}");
    public Uri Gateway1 => new($"ws://127.0.0.1:{BasePort}");
    public Uri Gateway2 => new($"ws://127.0.0.1:{BasePort + 1}");
    public Uri Http1 => new($"http://127.0.0.1:{BasePort}");
    public Uri Http2 => new($"http://127.0.0.1:{BasePort + 1}");

    public static string Script => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../deploy/local/cluster.sh"));

    public virtual async Task InitializeAsync()
    {
        await RunScript("down", TimeSpan.FromMinutes(2));   // a run killed earlier may have left one
        await RunScript("up", TimeSpan.FromMinutes(4));
    }

    public async Task DisposeAsync()
    {
        await RunScript("down", TimeSpan.FromMinutes(2));
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }

    public async Task<string> RunScript(string verb, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo("bash", [Script, verb]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["BASE_PORT"] = BasePort.ToString();
        psi.Environment["CLUSTER_DIR"] = Dir;
        // containers then carry their sandbox id, which is how the test finds a sandbox's host
        psi.Environment["SANDBOX_WARM_POOL_SIZE"] = "0";
        psi.Environment["SANDBOX_HOST_MAX_SANDBOXES"] = SandboxesPerHost.ToString();
        AddEnvironment(psi.Environment);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"cluster.sh {verb} failed ({p.ExitCode}): {await stderr}\n{await stdout}\n{NodeLogs()}");
        return await stdout;
    }

    /// <summary>More environment for every node of a derived fixture's cluster.</summary>
    protected virtual void AddEnvironment(IDictionary<string, string?> env) { }

    protected string NodeLogs()
    {
        if (!Directory.Exists(Dir)) return "(no cluster directory)";
        return string.Join("\n", Directory.GetFiles(Dir, "*.log", SearchOption.AllDirectories)
            .Select(f => $"--- {f}\n{string.Join("\n", File.ReadLines(f).TakeLast(15))}"));
    }

    /// <summary>Sandbox host processes still alive (a test may have killed one).</summary>
    public IReadOnlyList<string> LiveHosts() =>
        File.ReadAllLines(Path.Combine(Dir, "pids")).Select(l => l.Split(' '))
            .Where(f => f[0].StartsWith("host-") && File.Exists($"/proc/{f[1]}/status"))
            .Select(f => f[0]).ToList();

    /// <summary>Containers the live hosts' registries list.</summary>
    public int ContainersOnLiveHosts() =>
        LiveHosts().Sum(h => Directory.Exists(Path.Combine(Dir, h, "containers")) ? Directory.GetFiles(Path.Combine(Dir, h, "containers")).Length : 0);

    /// <summary>The live host process (name, pid) whose container registry lists this sandbox's
    /// container (a host killed with -9 leaves its registry behind).</summary>
    public (string Node, int Pid)? HostRunning(string sandboxId) =>
        File.ReadAllLines(Path.Combine(Dir, "pids")).Select(l => l.Split(' '))
            .Where(f => File.Exists(Path.Combine(Dir, f[0], "containers", sandboxId)) && Directory.Exists($"/proc/{f[1]}"))
            .Select(f => ((string, int)?)(f[0], int.Parse(f[1])))
            .FirstOrDefault();
}

/// <summary>The specs that start a deploy/local cluster run one after another (in-process specs run
/// alongside): one five-node cluster at a time is what two cores carry, and their ports never meet.</summary>
[CollectionDefinition(nameof(MultiProcessClusters))]
public sealed class MultiProcessClusters;

/// <summary>Issue 5: the multi-process cluster of deploy/local, PostgreSQL journal, shared checkpoint store.</summary>
[Collection(nameof(MultiProcessClusters))]
public class LocalClusterSpec(LocalClusterFixture cluster) : IClassFixture<LocalClusterFixture>
{
    private const string S = "status:";

    [Fact]
    public async Task A_sandbox_checkpointed_through_two_gateways_restores_on_a_survivor_after_its_host_is_killed()
    {
        var (c, id, token) = await CheckpointSpec.Create(cluster.Gateway1, new { idle_timeout = 300, enable_checkpoint = true });
        await CheckpointSpec.Run(c, "bash", CheckpointSpec.StartCounter);
        await c.DisposeAsync();
        // an API v1 process beside it, whose output log must come through with its offsets
        using var v1 = new V1Http(cluster.Http1);
        using var v2 = new V1Http(cluster.Http2);
        var pid = await V1ProcessesSpec.StartAsync(v1, id, token, V1ProcessesSpec.Counter);
        var logged = await V1ProcessesSpec.CountedPastAsync(v1, id, token, pid, 5);
        await Task.Delay(500);

        await using (var second = await WsClient.ConnectAsync(new Uri(cluster.Gateway2, $"/attach/{id}?sandbox_token={token}")))
        {
            Assert.Equal([S + SandboxStatus.Running], await second.ReadUntilAsync(e => e.StartsWith(S)));
            var owner = cluster.HostRunning(id) ?? throw new InvalidOperationException("no host runs the sandbox");
            var before = CheckpointSpec.ReadCount(await CheckpointSpec.Run(second, "bash", "cat /tmp/count"));
            Assert.Equal(S + SandboxStatus.Checkpointed, (await CheckpointSpec.Checkpoint(second))[^1]);

            Process.GetProcessById(owner.Pid).Kill();   // kill -9 of the host that owned it

            await using var third = await WsClient.ConnectAsync(new Uri(cluster.Gateway2, $"/attach/{id}?sandbox_token={token}"));
            Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running],
                await third.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.Contains("ERROR"), TimeSpan.FromSeconds(90)));
            var survivor = cluster.HostRunning(id) ?? throw new InvalidOperationException("restored nowhere");
            Assert.NotEqual(owner.Node, survivor.Node);
            var after = CheckpointSpec.ReadCount(await CheckpointSpec.Run(third, "bash", "sleep 0.3; cat /tmp/count"));
            Assert.True(after > before, $"in-memory counter went from {before} to {after}");
            // the v1 process runs on in the survivor: every line it logged before is there once,
            // its offsets unchanged, and it counts on from where the checkpoint caught it
            var resumed = await V1ProcessesSpec.CountedPastAsync(v2, id, token, pid, V1ProcessesSpec.AssertCountsFromOne(logged));
            Assert.StartsWith(logged, resumed);
            Assert.StartsWith(resumed[logged.Length..], await V1ProcessesSpec.StdoutFromAsync(v2, id, token, pid, logged.Length));
            await third.SendAsync(new { action = "kill_sandbox" });
            await third.ReadUntilClosedAsync();
        }
    }

    [Fact]
    public async Task While_the_journal_is_down_creates_fail_with_a_clear_error_and_work_again_after()
    {
        await cluster.RunScript("pg-stop", TimeSpan.FromMinutes(1));
        try
        {
            await using var c = await WsClient.ConnectAsync(new Uri(cluster.Gateway1, "/create"));
            await c.SendAsync(new { idle_timeout = 60 });
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var events = await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(90));
            Assert.Equal([S + SandboxStatus.Creating, S + SandboxStatus.CreationError], events.Take(2));
            Assert.Contains("journal", events[2]);   // the journal's write failure, or the create timing out because of it
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(45), $"the client waited {sw.Elapsed} for its error");
            Assert.Equal(4000, c.CloseStatus);
        }
        finally
        {
            await cluster.RunScript("pg-start", TimeSpan.FromMinutes(1));
        }
        // the journal is back: creates work again (retry while its connection pool recovers)
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var c = await WsClient.ConnectAsync(new Uri(cluster.Gateway1, "/create"));
            await c.SendAsync(new { idle_timeout = 60 });
            var events = await c.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.StartsWith("error:"), TimeSpan.FromSeconds(90));
            if (events[^1] == S + SandboxStatus.Running)
            {
                await c.SendAsync(new { action = "kill_sandbox" });
                await c.ReadUntilClosedAsync();
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "creates still fail a minute after the journal came back: " + string.Join(" | ", events));
            await Task.Delay(2000);
        }
    }

    [Fact]
    public async Task A_full_cluster_refuses_a_create_with_the_capacity_message_and_every_host_took_its_share()
    {
        // start from an empty cluster: what other tests ran here is gone (bounded wait)
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (cluster.ContainersOnLiveHosts() > 0 && DateTime.UtcNow < deadline) await Task.Delay(500);
        Assert.Equal(0, cluster.ContainersOnLiveHosts());
        await Task.Delay(1500);   // and every gateway's view of the hosts has caught up

        var clients = new List<(WsClient Client, string Id)>();
        try
        {
            List<string>? refusal = null;
            for (var i = 0; i < 3 * LocalClusterFixture.SandboxesPerHost + 2 && refusal is null; i++)
            {
                var c = await WsClient.ConnectAsync(new Uri(i % 2 == 0 ? cluster.Gateway1 : cluster.Gateway2, "/create"));
                await c.SendAsync(new { idle_timeout = 120 });
                var events = await c.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.StartsWith("error:"), TimeSpan.FromSeconds(60));
                if (events[^1] == S + SandboxStatus.Running)
                    clients.Add((c, events.Single(e => e.StartsWith("sandbox_id:")).Split(':')[1]));
                else
                {
                    refusal = events;
                    await c.DisposeAsync();
                }
            }
            Assert.NotNull(refusal);
            Assert.Contains(S + SandboxStatus.CreationError, refusal);
            Assert.StartsWith("error:The cluster is full", refusal[^1]);
            // every live host is full, none over: the sandboxes were spread, not piled on one host
            var perHost = clients.GroupBy(c => cluster.HostRunning(c.Id)?.Node ?? "?").ToDictionary(g => g.Key, g => g.Count());
            Assert.DoesNotContain("?", perHost.Keys);
            Assert.Equal(cluster.LiveHosts().Order(), perHost.Keys.Order());
            Assert.All(perHost.Values, n => Assert.Equal(LocalClusterFixture.SandboxesPerHost, n));
        }
        finally
        {
            foreach (var (c, _) in clients) await CheckpointSpec.KillAndDispose(c);
        }
    }
}
