using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Placement;
using Sandbox.Core.Placement;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Tests;

/// <summary>Where new sandboxes go: the pure placement decision, a host's own admission, and a two-host cluster filling up.</summary>
public class PlacementSpec
{
    private static HostLoad Host(string node, int sandboxes, int max, int starting = 0, bool draining = false, params string[] shards) =>
        new(node, sandboxes, max, starting, 8, draining, shards, []);

    private static readonly IReadOnlySet<string> NoneExcluded = new HashSet<string>();

    [Fact]
    public void A_new_sandbox_goes_to_the_host_with_the_most_room_under_an_id_in_that_hosts_shards()
    {
        var board = new PlacementBoard();
        board.Update(new PlacementView([Host("a", 7, 10, shards: ["1", "2"]), Host("b", 2, 10, shards: ["3"]), Host("c", 0, 10, draining: true, shards: ["4"])], DateTime.UtcNow));

        var placed = Assert.IsType<PlacementDecision.Placed>(board.Place(NoneExcluded, new ClusterLimits()));

        Assert.Equal("b", placed.Node);
        Assert.Equal("3", PlacementView.ShardOf(placed.SandboxId));
        Assert.True(SandboxIdentity.IsWellFormed(placed.SandboxId));
    }

    [Fact]
    public void A_burst_of_creates_spreads_over_the_hosts_before_they_report_again()
    {
        var board = new PlacementBoard();
        board.Update(new PlacementView([Host("a", 0, 10, shards: ["1"]), Host("b", 0, 10, shards: ["2"])], DateTime.UtcNow));

        var nodes = Enumerable.Range(0, 6).Select(_ => ((PlacementDecision.Placed)board.Place(NoneExcluded, new ClusterLimits())).Node).ToList();

        Assert.Equal(3, nodes.Count(n => n == "a"));
        Assert.Equal(3, nodes.Count(n => n == "b"));
    }

    [Fact]
    public void A_refusal_teaches_the_board_where_that_shard_lives_so_placing_again_never_lands_there()
    {
        for (var i = 0; i < 20; i++)
        {
            var board = new PlacementBoard();
            board.Update(new PlacementView([Host("a", 1, 2, shards: ["0"]), Host("b", 0, 4)], DateTime.UtcNow));
            // b holds no shard yet: its id is in a shard the view thinks free, and sharding may put that shard on a
            var first = Assert.IsType<PlacementDecision.Placed>(board.Place(NoneExcluded, new ClusterLimits()));
            Assert.Equal("b", first.Node);
            board.Learned("a", first.SandboxId);
            var again = Assert.IsType<PlacementDecision.Placed>(board.Place(new HashSet<string> { "a" }, new ClusterLimits()));
            Assert.Equal("b", again.Node);
            Assert.NotEqual(PlacementView.ShardOf(first.SandboxId), PlacementView.ShardOf(again.SandboxId));
        }
    }

    /// <summary>A sandbox id whose shard is <paramref name="shard"/>.</summary>
    private static string IdInShard(string shard)
    {
        for (var i = 0; i < 100_000; i++)
        {
            var id = SandboxIdentity.NewSandboxId();
            if (PlacementView.ShardOf(id) == shard) return id;
        }
        throw new InvalidOperationException($"no id in shard {shard}");
    }

    [Fact]
    public void A_fork_goes_to_its_sources_host_while_that_has_a_free_slot_even_when_another_has_more_room()
    {
        var board = new PlacementBoard();
        board.Update(new PlacementView([Host("source-host", 8, 10, shards: ["1", "2"]), Host("empty", 0, 10, shards: ["3"])], DateTime.UtcNow));
        var source = IdInShard("2");

        var forks = Enumerable.Range(0, 3).Select(_ => Assert.IsType<PlacementDecision.Placed>(board.Place(NoneExcluded, new ClusterLimits(), near: source))).ToList();

        // two free slots on the source's host, then the host with the most room
        Assert.Equal(["source-host", "source-host", "empty"], forks.Select(f => f.Node));
        Assert.Contains(PlacementView.ShardOf(forks[0].SandboxId), new[] { "1", "2" });
        Assert.Equal("3", PlacementView.ShardOf(forks[2].SandboxId));
        // without a source, the most room wins as always
        Assert.Equal("empty", Assert.IsType<PlacementDecision.Placed>(board.Place(NoneExcluded, new ClusterLimits())).Node);
    }

    [Fact]
    public void A_fork_whose_source_host_refused_it_or_is_busy_starting_goes_where_there_is_most_room()
    {
        var source = IdInShard("1");
        var board = new PlacementBoard();
        board.Update(new PlacementView([Host("source-host", 1, 10, shards: ["1"]), Host("other", 5, 10, shards: ["3"])], DateTime.UtcNow));
        Assert.Equal("other", Assert.IsType<PlacementDecision.Placed>(board.Place(new HashSet<string> { "source-host" }, new ClusterLimits(), near: source)).Node);

        var busy = new PlacementBoard();
        busy.Update(new PlacementView([Host("source-host", 1, 10, starting: 8, shards: ["1"]), Host("other", 5, 10, shards: ["3"])], DateTime.UtcNow));
        Assert.Equal("other", Assert.IsType<PlacementDecision.Placed>(busy.Place(NoneExcluded, new ClusterLimits(), near: source)).Node);
    }

    [Fact]
    public void A_host_without_shards_gets_an_id_in_a_shard_nobody_holds()
    {
        var board = new PlacementBoard();
        board.Update(new PlacementView([Host("a", 5, 10, shards: ["0", "1"]), Host("b", 0, 10)], DateTime.UtcNow));

        var placed = Assert.IsType<PlacementDecision.Placed>(board.Place(NoneExcluded, new ClusterLimits()));

        Assert.Equal("b", placed.Node);
        Assert.DoesNotContain(PlacementView.ShardOf(placed.SandboxId), new[] { "0", "1" });
    }

    [Fact]
    public void A_full_cluster_is_refused_with_a_message_that_says_so()
    {
        var board = new PlacementBoard();
        board.Update(new PlacementView([Host("a", 2, 2, shards: ["1"]), Host("b", 3, 3, shards: ["2"]), Host("c", 0, 5, draining: true)], DateTime.UtcNow));

        var refused = Assert.IsType<PlacementDecision.Refused>(board.Place(NoneExcluded, new ClusterLimits()));

        Assert.False(refused.Busy);
        Assert.Contains("The cluster is full", refused.Reason);
        Assert.Contains("5 sandboxes running, capacity 5 on 2 host(s), 1 draining", refused.Reason);
    }

    [Fact]
    public void Cluster_wide_caps_refuse_before_any_host_is_full()
    {
        var board = new PlacementBoard();
        board.Update(new PlacementView([Host("a", 3, 10, starting: 1, shards: ["1"]), Host("b", 2, 10, starting: 1, shards: ["2"])], DateTime.UtcNow));

        var full = Assert.IsType<PlacementDecision.Refused>(board.Place(NoneExcluded, new ClusterLimits(MaxSandboxes: 5)));
        Assert.Contains("limit of 5 sandboxes", full.Reason);
        Assert.False(full.Busy);

        var busy = Assert.IsType<PlacementDecision.Refused>(board.Place(NoneExcluded, new ClusterLimits(MaxConcurrentCreates: 2)));
        Assert.Contains("cluster limit 2", busy.Reason);
        Assert.True(busy.Busy);
    }

    [Fact]
    public void A_host_that_misses_a_poll_keeps_its_last_report_for_a_while_and_a_host_that_left_is_gone_at_once()
    {
        var reports = new Dictionary<string, (HostLoad, DateTime)>();
        var t0 = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        HostLoad Load(string node, int sandboxes) => new(node, sandboxes, 2, 0, 8, false, ["1"], []);
        var both = HostLoadMonitor.Merge(reports, ["a", "b"], [Load("a", 1), Load("b", 1)], t0);
        Assert.Equal(2, both.Hosts.Count);
        // b is slow this round: the board still knows it has room, rather than believe the cluster is one host
        var slow = HostLoadMonitor.Merge(reports, ["a", "b"], [Load("a", 2)], t0.AddSeconds(1));
        Assert.Equal([("a", 2), ("b", 1)], slow.Hosts.Select(h => (h.Node, h.Sandboxes)).Order());
        var silent = HostLoadMonitor.Merge(reports, ["a", "b"], [Load("a", 2)], t0 + HostLoadMonitor.MissedPollGrace + TimeSpan.FromSeconds(1));
        Assert.Equal(["a"], silent.Hosts.Select(h => h.Node));
        var left = HostLoadMonitor.Merge(reports, ["a"], [Load("a", 2)], t0.AddSeconds(2));
        Assert.Equal(["a"], left.Hosts.Select(h => h.Node));
    }

    [Fact]
    public void A_host_admits_up_to_its_capacity_and_restores_beyond_it()
    {
        var capacity = new HostCapacity(maxSandboxes: 2, maxConcurrentStarts: 1);

        Assert.Equal(HostAdmission.Admitted, capacity.TryAdmitNew("s1"));
        Assert.True(capacity.TryAdmitNew("s2").Refused!.Busy);          // s1 is still starting
        capacity.MarkRunning("s1");
        Assert.Equal(HostAdmission.Admitted, capacity.TryAdmitNew("s2"));
        capacity.MarkRunning("s2");
        var full = capacity.TryAdmitNew("s3").Refused;
        Assert.False(full!.Busy);
        Assert.Contains("capacity of 2", full.Reason);

        Assert.Null(capacity.AdmitRestore("s4"));                   // a checkpointed sandbox comes back regardless
        Assert.Equal(3, capacity.Occupied);
        capacity.Release("s1");
        capacity.Release("s4");
        Assert.Equal(HostAdmission.Admitted, capacity.TryAdmitNew("s3"));

        capacity.StartDraining();
        Assert.Contains("draining", capacity.TryAdmitNew("s5").Refused!.Reason);
    }

    [Fact]
    public void A_full_host_admits_a_new_sandbox_by_pausing_its_least_recently_active_pausable_one()
    {
        var capacity = new HostCapacity(maxSandboxes: 3, maxConcurrentStarts: 4);
        var t0 = DateTimeOffset.FromUnixTimeSeconds(1_000);
        foreach (var id in new[] { "busy", "older", "newer" })
        {
            capacity.TryAdmitNew(id);
            capacity.MarkRunning(id);
        }
        capacity.Report("busy", null);                     // attached, executing or without checkpoints
        capacity.Report("newer", t0.AddSeconds(30));
        capacity.Report("older", t0);
        Assert.Equal(2, capacity.Pausable);

        Assert.Equal(new HostAdmission(null, "older"), capacity.TryAdmitNew("first"));
        Assert.Equal(new HostAdmission(null, "newer"), capacity.TryAdmitNew("second"));   // each admission takes its own candidate
        Assert.Equal(0, capacity.Pausable);
        Assert.Contains("capacity of 3", capacity.TryAdmitNew("third").Refused!.Reason);
        Assert.Equal(5, capacity.Occupied);

        capacity.Release("older");                          // paused: its memory is free
        capacity.Report("newer", null);                     // busy again before it could pause: it stays
        Assert.Equal(4, capacity.Occupied);
        Assert.Equal(0, capacity.Pausable);
        capacity.Report("newer", t0.AddSeconds(60));        // idle again: a candidate once more
        Assert.Equal(1, capacity.Pausable);
    }

    [Fact]
    public void A_restore_past_the_capacity_asks_the_least_recently_active_pausable_sandbox_to_make_room()
    {
        var capacity = new HostCapacity(maxSandboxes: 2, maxConcurrentStarts: 4);
        capacity.TryAdmitNew("a");
        capacity.TryAdmitNew("b");
        capacity.Report("a", DateTimeOffset.FromUnixTimeSeconds(5));
        Assert.Null(capacity.AdmitRestore("a"));            // it holds its slot already
        Assert.Equal("a", capacity.AdmitRestore("back"));
        Assert.Null(capacity.AdmitRestore("again"));        // nobody else could pause: over by one more
        Assert.Equal(4, capacity.Occupied);
    }

    [Fact]
    public void Only_a_sandbox_with_a_slot_here_can_be_chosen_to_make_room()
    {
        var capacity = new HostCapacity(maxSandboxes: 1, maxConcurrentStarts: 4);
        capacity.Report("elsewhere", DateTimeOffset.FromUnixTimeSeconds(5));
        Assert.Equal(0, capacity.Pausable);
        capacity.TryAdmitNew("here");
        capacity.Report("here", DateTimeOffset.FromUnixTimeSeconds(5));
        capacity.Release("here");
        Assert.Equal(0, capacity.Pausable);
    }

    [Fact]
    public void Placement_sends_a_create_to_a_full_host_that_can_pause_only_when_no_host_has_a_free_slot()
    {
        var board = new PlacementBoard();
        board.Update(new PlacementView([
            new HostLoad("full", 4, 4, 0, 4, false, [], [], Pausable: 1),
            new HostLoad("roomy", 3, 4, 0, 4, false, [], []),
        ], DateTime.UtcNow));
        Assert.Equal("roomy", Assert.IsType<PlacementDecision.Placed>(board.Place(NoneExcluded, new ClusterLimits())).Node);
        Assert.Equal("full", Assert.IsType<PlacementDecision.Placed>(board.Place(NoneExcluded, new ClusterLimits())).Node);
        var refused = Assert.IsType<PlacementDecision.Refused>(board.Place(NoneExcluded, new ClusterLimits()));
        Assert.False(refused.Busy);
        Assert.Contains("cluster is full", refused.Reason);
    }
}

/// <summary>A full host refuses a create itself (its view may be newer than the gateway's) and starts nothing.</summary>
public class HostAdmissionSpec() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("""
    akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
    """))
{
    [Fact]
    public void A_full_host_answers_a_create_with_a_refusal_and_starts_no_container()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sandbox-admission-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var runsc = new RunscOptions { RootDirBase = Path.Combine(dir, "state"), BundleDirBase = Path.Combine(dir, "bundles"), RootfsPath = ServerFixture.RootfsPath };
            var options = new SandboxHostOptions { MaxSandboxes = 1 };
            var host = new SandboxHostContext(new RunscCli(runsc), options, "full-node", new ContainerRegistry(Path.Combine(dir, "data")));
            host.Capacity.AdmitRestore("sandbox-0000");   // the one slot is taken
            var id = SandboxIdentity.NewSandboxId();
            var session = CreateTestProbe();
            var sandbox = Sys.ActorOf(SandboxActor.PropsFor(id, host));
            Watch(sandbox);

            sandbox.Tell(new CreateSandbox(id, SandboxIdentity.HashToken("t"), SandboxSettings.Default, new ClientRef(session.Ref)));

            var refusal = session.ExpectMsg<HostRefusedCreate>(TimeSpan.FromSeconds(10));
            Assert.Equal((id, "full-node", false), (refusal.SandboxId, refusal.Node, refusal.Busy));
            Assert.Contains("capacity of 1", refusal.Reason);
            ExpectTerminated(sandbox, TimeSpan.FromSeconds(10));
            Assert.Empty(host.Registry.List());
            Assert.False(Directory.Exists(runsc.BundleDirFor(id)));
            Assert.Equal(1, host.Capacity.Occupied);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}

/// <summary>A second sandbox host (both roles) that joins <paramref name="seed"/>'s cluster; its own journal and
/// directories, and the seed's checkpoint store (a cluster shares one, as a bucket), so a sandbox's
/// image taken on one host can start on the other.</summary>
public sealed class JoiningHostFixture(ServerFixture seed, int maxSandboxes) : ServerFixture
{
    protected override SandboxHostSettings Customize(SandboxHostSettings s) =>
        s with
        {
            SeedNodes = [seed.ClusterAddress],
            Sandboxes = s.Sandboxes with { MaxSandboxes = maxSandboxes },
            CheckpointMountPath = seed.Settings.CheckpointMountPath,
        };
}

public sealed class CappedHostFixture(int maxSandboxes) : ServerFixture
{
    protected override SandboxHostSettings Customize(SandboxHostSettings s) => s with { Sandboxes = s.Sandboxes with { MaxSandboxes = maxSandboxes } };
}

/// <summary>Two sandbox hosts with room for two sandboxes each.</summary>
public sealed class TwoSmallHostsFixture : IAsyncLifetime
{
    public const int PerHost = 2;
    public ServerFixture First { get; } = new CappedHostFixture(PerHost);
    public ServerFixture Second { get; private set; } = null!;

    public PlacementBoard Board => PlacementBoard.Get(First.App.Services.GetRequiredService<ActorSystem>());

    public async Task InitializeAsync()
    {
        await First.InitializeAsync();
        Second = new JoiningHostFixture(First, PerHost);
        await Second.InitializeAsync();
        // both hosts report to the first node's placement board
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Board.Current.Hosts.Count < 2)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the second host never reported its load");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await Second.DisposeAsync();
        await First.DisposeAsync();
    }
}

public class ClusterPlacementSpec(TwoSmallHostsFixture cluster) : IClassFixture<TwoSmallHostsFixture>
{
    private const string S = "status:";

    [Fact]
    public async Task Sandboxes_spread_over_the_hosts_and_a_full_cluster_refuses_creates_with_the_capacity_message()
    {
        var clients = new List<WsClient>();
        try
        {
            for (var i = 0; i < 2 * TwoSmallHostsFixture.PerHost; i++)
                clients.Add((await CheckpointSpec.Create(cluster.First, new { idle_timeout = 120 })).Client);

            // each host runs two: the view says so once both have reported
            await ExecuteEndpointSpec.Eventually(() =>
            {
                var hosts = cluster.Board.Current.Hosts;
                Assert.Equal(2, hosts.Count);
                Assert.All(hosts, h => Assert.Equal(TwoSmallHostsFixture.PerHost, h.Sandboxes));
            }, TimeSpan.FromSeconds(15));

            // WebSocket: SANDBOX_CREATION_ERROR with a message that says the cluster is full
            await using (var refused = await WsClient.ConnectAsync(new Uri(cluster.First.WsBase, "/create")))
            {
                await refused.SendAsync(new { idle_timeout = 60 });
                var events = await refused.ReadUntilClosedAsync();
                Assert.Contains(S + SandboxStatus.CreationError, events);
                Assert.Contains(events, e => e.StartsWith("error:The cluster is full"));
            }
            // HTTP: 503 with the same reason, through the other node's gateway too
            using (var http = new HttpClient { BaseAddress = cluster.Second.HttpBase })
            {
                var r = await http.PostAsync("/execute?language=bash", new StringContent("echo never"));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
                Assert.Contains("The cluster is full", await r.Content.ReadAsStringAsync());
            }

            // one ends: its slot is free again
            await clients[0].SendAsync(new { action = "kill_sandbox" });
            await clients[0].ReadUntilClosedAsync();
            await ExecuteEndpointSpec.Eventually(() => Assert.Equal(2 * TwoSmallHostsFixture.PerHost - 1, cluster.Board.Current.Hosts.Sum(h => h.Sandboxes)), TimeSpan.FromSeconds(15));
            var (again, _, _) = await CheckpointSpec.Create(cluster.First, new { idle_timeout = 60 });
            clients.Add(again);
            Assert.Equal("placed\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(again, "bash", "echo placed")));
        }
        finally
        {
            foreach (var c in clients) await CheckpointSpec.KillAndDispose(c);
        }
        await ExecuteEndpointSpec.Eventually(() => Assert.Equal(0, cluster.Board.Current.Hosts.Sum(h => h.Sandboxes)), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_fork_lands_on_its_sources_host_while_that_has_room_and_on_the_other_host_once_it_is_full()
    {
        using var v1 = new Api.V1Http(cluster.First);
        var (id, token, view) = await v1.CreateAsync(new { idle_timeout = 120 });
        var made = new List<(string Id, string Token)> { (id, token) };
        try
        {
            var home = view.GetProperty("node").GetString();
            var nodes = new List<string?>();
            for (var i = 0; i < 2; i++)
            {
                var fork = await v1.PostAsync($"/v1/sandboxes/{id}/fork", new { count = 1 }, token);
                Assert.True(fork.Status == HttpStatusCode.Created, $"fork {i}: {fork.Status} {fork.Json}");
                var f = fork.Json.GetProperty("sandboxes")[0];
                var forkId = f.GetProperty("sandbox_id").GetString()!;
                var forkToken = f.GetProperty("sandbox_token").GetString()!;
                made.Add((forkId, forkToken));
                nodes.Add((await v1.GetAsync($"/v1/sandboxes/{forkId}", forkToken)).Json.GetProperty("node").GetString());
            }
            // the source's host has two slots: the source and the first fork (from the image on its
            // disk); the second goes to the other host, which starts it from the shared store
            Assert.Equal(home, nodes[0]);
            Assert.NotNull(nodes[1]);
            Assert.NotEqual(home, nodes[1]);
        }
        finally
        {
            foreach (var (sandbox, t) in made) await v1.DeleteAsync($"/v1/sandboxes/{sandbox}", t);
        }
        await ExecuteEndpointSpec.Eventually(() => Assert.Equal(0, cluster.Board.Current.Hosts.Sum(h => h.Sandboxes)), TimeSpan.FromSeconds(15));
    }
}

/// <summary>A node that lets one sandbox start at a time, cluster-wide, and never queues a create.</summary>
public sealed class OneCreateAtATimeFixture : ServerFixture
{
    protected override SandboxHostSettings Customize(SandboxHostSettings s) =>
        s with { Gateway = s.Gateway with { ClusterLimits = new ClusterLimits(MaxConcurrentCreates: 1), CreateBusyWait = TimeSpan.Zero } };
}

public class PlacementBeforeAnyHostReportedSpec
{
    [Fact]
    public void Cluster_caps_hold_before_any_host_has_reported()
    {
        var board = new PlacementBoard();
        var first = Assert.IsType<PlacementDecision.Placed>(board.Place(new HashSet<string>(), new ClusterLimits(MaxConcurrentCreates: 1)));
        Assert.Equal(PlacementBoard.UnknownHost, first.Node);

        Assert.True(Assert.IsType<PlacementDecision.Refused>(board.Place(new HashSet<string>(), new ClusterLimits(MaxConcurrentCreates: 1))).Busy);
        board.Settled(first.Node);
        Assert.IsType<PlacementDecision.Placed>(board.Place(new HashSet<string>(), new ClusterLimits(MaxConcurrentCreates: 1)));
    }
}

public class AdmissionSpec(OneCreateAtATimeFixture server) : IClassFixture<OneCreateAtATimeFixture>
{
    [Fact]
    public async Task Creates_over_the_concurrent_cap_get_429_with_the_reason_and_the_rest_run()
    {
        using var http = new HttpClient { BaseAddress = server.HttpBase, Timeout = TimeSpan.FromSeconds(60) };
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            var r = await http.PostAsync("/execute?language=bash", new StringContent($"echo run-{i}"));
            return (i, r.StatusCode, Body: await r.Content.ReadAsStringAsync());
        }));

        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        var ran = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.NotEmpty(refused);
        Assert.NotEmpty(ran);
        Assert.Equal(10, refused.Count + ran.Count);
        Assert.All(refused, r => Assert.Contains("Too many sandboxes are being created at once", r.Body));
        Assert.All(ran, r => Assert.Equal($"run-{r.i}\n", r.Body));
    }
}
