using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Sandbox.Host.Admin;

/// <summary><c>sandboxctl sharding …</c>: the regions of the "sandbox" type and their shards and entities.</summary>
public static class ShardingEndpoints
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static void MapShardingAdmin(this WebApplication app)
    {
        app.MapGet("/admin/sharding/regions", async (AdminContext a) =>
        {
            var regions = await a.Region.Ask<CurrentRegions>(GetCurrentRegions.Instance, Timeout);
            return Results.Json(new { typeName = "sandbox", regions = regions.Regions.Select(r => r.ToString()).Order(StringComparer.Ordinal) });
        });

        app.MapGet("/admin/sharding/stats", async (AdminContext a) =>
        {
            var stats = await a.Region.Ask<ClusterShardingStats>(new GetClusterShardingStats(Timeout), Timeout + TimeSpan.FromSeconds(2));
            return Results.Json(new
            {
                typeName = "sandbox",
                regions = stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal).Select(r => new
                {
                    address = r.Key.ToString(),
                    shards = r.Value.Stats.Count,
                    entities = r.Value.Stats.Values.Sum(),
                    entitiesByShard = r.Value.Stats.OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => s.Value),
                    failedShards = r.Value.Failed.Order(StringComparer.Ordinal),
                }),
            });
        });

        // this node's own region: shard id → entity ids (empty on a gateway's proxy)
        app.MapGet("/admin/sharding/local", async (AdminContext a) =>
        {
            var state = await a.Region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Timeout);
            return Results.Json(new
            {
                node = a.Cluster.SelfAddress.ToString(),
                shards = state.Shards.OrderBy(s => s.ShardId, StringComparer.Ordinal).ToDictionary(s => s.ShardId, s => s.EntityIds.Order(StringComparer.Ordinal)),
            });
        });
    }
}
