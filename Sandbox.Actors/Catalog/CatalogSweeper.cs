using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Sandbox.Actors.Hosts;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Actors.Catalog;

/// <summary>
/// Wakes the sandboxes whose actors are not running but have something to do, found in the catalog:
/// paused ones whose TTL passed (they end), ended ones past their retention (they are forgotten),
/// and ones the catalog says run on a node that is no longer a member (they settle: paused on their
/// checkpoint, or ended as host_lost — never nothing). One host sweeps (the oldest), at a bounded
/// number of sandboxes per round.
/// </summary>
public sealed class CatalogSweeper : ReceiveActor, IWithTimers
{
    public const string Name = "catalog-sweeper";
    private const int PerRound = 500;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props PropsFor(ISandboxCatalog catalog, IActorRef region, TimeSpan interval, TimeSpan endedRetention) =>
        Props.Create(() => new CatalogSweeper(catalog, region, interval, endedRetention));

    public CatalogSweeper(ISandboxCatalog catalog, IActorRef region, TimeSpan interval, TimeSpan endedRetention)
    {
        var cluster = Cluster.Get(Context.System);
        var log = Context.GetLogger();
        var sweeping = false;
        Receive<Sweep>(_ =>
        {
            if (sweeping || !IsOldestHost(cluster)) return;
            sweeping = true;
            var now = DateTimeOffset.UtcNow;
            var members = cluster.State.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address.ToString()).ToHashSet();
            SweepAsync(catalog, region, now, endedRetention, members).PipeTo(Self, success: n => new Swept(n, null), failure: e => new Swept(0, e.GetBaseException().Message));
        });
        Receive<Swept>(s =>
        {
            sweeping = false;
            if (s.Error is not null) log.Warning("Catalog sweep failed: {0}", s.Error);
            else if (s.Woken > 0) log.Info("Catalog sweep woke {0} sandbox(es)", s.Woken);
        });
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, interval, interval);
    }

    private static bool IsOldestHost(Cluster cluster)
    {
        var hosts = cluster.State.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.SandboxHost)).ToList();
        return hosts.Count > 0 && hosts.Aggregate((a, b) => a.IsOlderThan(b) ? a : b).Address == cluster.SelfAddress;
    }

    private static async Task<int> SweepAsync(ISandboxCatalog catalog, IActorRef region, DateTimeOffset now, TimeSpan retention, IReadOnlySet<string> members)
    {
        var woken = 0;
        foreach (var s in await catalog.QueryAsync(new CatalogQuery { ExpiringBy = now, Limit = PerRound }, CancellationToken.None))
        {
            region.Tell(new ExpireIfDue(s.SandboxId));
            woken++;
        }
        foreach (var s in await catalog.QueryAsync(new CatalogQuery { EndedBy = now - retention, Limit = PerRound }, CancellationToken.None))
        {
            region.Tell(new PurgeIfEnded(s.SandboxId, now - retention));
            woken++;
        }
        var live = await catalog.QueryAsync(new CatalogQuery { States = ["running", "starting"], Limit = 10_000 }, CancellationToken.None);
        // (a create whose host died before it started has no node: it is woken once it is clearly stale)
        var lost = live.Where(s => s.Node is not null ? !members.Contains(s.Node) : s.CreatedAt < now - TimeSpan.FromMinutes(5));
        foreach (var s in lost.Take(PerRound))
        {
            region.Tell(new GetSandboxInfo(s.SandboxId));   // its actor recovers, finds no container, and settles
            woken++;
        }
        return woken;
    }

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }

    private sealed record Swept(int Woken, string? Error);
}
