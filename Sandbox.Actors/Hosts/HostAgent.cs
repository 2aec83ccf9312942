using Sandbox.Actors.Catalog;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Hosts;

/// <summary>
/// One per sandbox-host node, at <c>/user/host-agent</c>: answers for the node as a whole (its
/// containers as runsc itself reports them, its load and shards for placement, draining).
/// Sandboxes themselves are reached through sharding.
/// </summary>
public sealed class HostAgent : ReceiveActor
{
    public const string Name = "host-agent";

    public static Props PropsFor(SandboxHostContext host, IActorRef localRegion) => Props.Create(() => new HostAgent(host, localRegion));

    public HostAgent(SandboxHostContext host, IActorRef localRegion)
    {
        Receive<ListContainers>(_ => ListAsync(host).PipeTo(Sender));
        Receive<GetHostLoad>(_ => LoadAsync(host, localRegion).PipeTo(Sender));
        Receive<CatalogMessages.Query>(q => AnswerCatalog(host, async c => new CatalogMessages.Rows(await c.QueryAsync(q.What, CancellationToken.None))));
        Receive<CatalogMessages.Count>(q => AnswerCatalog(host, async c =>
        {
            var (held, since) = await c.CountAsync(q.Owner, q.CreatedSince, CancellationToken.None);
            return new CatalogMessages.Counted(held, since);
        }));
        Receive<DrainHost>(_ =>
        {
            host.Capacity.StartDraining();
            LoadAsync(host, localRegion).PipeTo(Sender);
        });
    }

    private void AnswerCatalog(SandboxHostContext host, Func<ISandboxCatalog, Task<object>> ask)
    {
        if (host.Catalog is not { } catalog)
        {
            Sender.Tell(new CatalogMessages.Unavailable("this host keeps no catalog"));
            return;
        }
        ask(catalog).PipeTo(Sender, failure: e => new CatalogMessages.Unavailable(e.GetBaseException().Message));
    }

    private static async Task<HostLoad> LoadAsync(SandboxHostContext host, IActorRef localRegion)
    {
        IReadOnlyList<string> shards;
        try
        {
            var state = await localRegion.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(3));
            shards = state.Shards.Select(s => s.ShardId).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception)
        {
            shards = [];   // the region is busy or stopping: placement then only uses unallocated shards
        }
        var c = host.Capacity;
        return new HostLoad(host.NodeName, c.Occupied, c.MaxSandboxes, c.Starting, c.MaxConcurrentStarts, c.Draining, shards, c.SandboxIds, c.Pausable);
    }

    private static async Task<ContainerListing> ListAsync(SandboxHostContext host)
    {
        var entries = await Task.WhenAll(host.Registry.List().Select(async id =>
        {
            var r = await host.Runsc.RunAsync(id, TimeSpan.FromSeconds(10), CancellationToken.None, "list", "--format=json");
            if (!r.Ok || string.IsNullOrWhiteSpace(r.Stdout) || r.Stdout.Trim() == "null") return Array.Empty<ContainerEntry>();
            using var doc = JsonDocument.Parse(r.Stdout);
            return doc.RootElement.EnumerateArray().Select(c => new ContainerEntry(
                c.GetProperty("id").GetString() ?? id,
                c.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "",
                c.TryGetProperty("pid", out var p) && p.TryGetInt32(out var pid) ? pid : 0,
                c.TryGetProperty("created", out var cr) ? cr.GetString() : null)).ToArray();
        }));
        return new ContainerListing(host.NodeName, entries.SelectMany(e => e).OrderBy(e => e.Id).ToList());
    }
}
