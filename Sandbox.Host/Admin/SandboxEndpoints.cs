using Akka.Actor;
using Akka.Cluster.Sharding;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Host.Admin;

/// <summary><c>sandboxctl sandbox …</c>: every sandbox of the cluster, one sandbox's state and location,
/// and the operator's checkpoint and kill, all through the shard region.</summary>
public static class SandboxEndpoints
{
    /// <summary>Generous: right after a node left, its shards are re-homed on first use.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    /// <summary>A checkpoint answers once its archive is stored: seconds, more under load.</summary>
    private static readonly TimeSpan CheckpointTimeout = TimeSpan.FromSeconds(150);

    public static void MapSandboxAdmin(this WebApplication app)
    {
        app.MapGet("/admin/hosts", async (AdminContext a) => Results.Json(new { hosts = await a.HostLoadsAsync() }));

        app.MapGet("/admin/sandboxes", async (AdminContext a) =>
        {
            var loads = await a.HostLoadsAsync();
            var rows = await Task.WhenAll(loads.SelectMany(l => l.SandboxIds.Select(id => (Host: l.Node, Id: id))).Select(async x =>
            {
                var info = await InfoOrNull(a, x.Id);
                return new
                {
                    id = x.Id,
                    host = x.Host,
                    state = info?.State ?? "unknown",
                    attached = info?.Attached,
                    executionRunning = info?.ExecutionRunning,
                    createdAt = info?.CreatedAt,
                };
            }));
            return Results.Json(new { sandboxes = rows.OrderBy(r => r.host, StringComparer.Ordinal).ThenBy(r => r.id, StringComparer.Ordinal) });
        });

        app.MapGet("/admin/sandboxes/{id}", async (AdminContext a, string id) =>
        {
            if (!SandboxIdentity.IsWellFormed(id)) return NotFound(id);
            var info = await a.Region.Ask<SandboxInfo>(new GetSandboxInfo(id), Timeout);
            return info.State == "new" ? NotFound(id) : Results.Json(Shape(info));
        });

        app.MapGet("/admin/sandboxes/{id}/location", async (AdminContext a, string id) =>
        {
            if (!SandboxIdentity.IsWellFormed(id)) return NotFound(id);
            // asking the sandbox first makes the region learn where its shard lives
            var info = await a.Region.Ask<SandboxInfo>(new GetSandboxInfo(id), Timeout);
            if (info.State == "new") return NotFound(id);
            var location = await a.Region.Ask<EntityLocation>(new GetEntityLocation(id, Timeout), Timeout + TimeSpan.FromSeconds(2));
            return Results.Json(new
            {
                id,
                state = info.State,
                node = info.Node,
                shard = location.ShardId,
                region = location.ShardRegion.ToString(),
                entity = location.EntityRef.HasValue ? location.EntityRef.Value.Path.ToString() : null,
            });
        });

        app.MapPost("/admin/sandboxes/{id}/checkpoint", (AdminContext a, string id) => Admin(a, id, AdminAction.Checkpoint, CheckpointTimeout));
        app.MapDelete("/admin/sandboxes/{id}", (AdminContext a, string id) => Admin(a, id, AdminAction.Delete, Timeout));
    }

    public static async Task<SandboxInfo?> InfoOrNull(AdminContext a, string id)
    {
        try { return await a.Region.Ask<SandboxInfo>(new GetSandboxInfo(id), TimeSpan.FromSeconds(5)); }
        catch (Exception) { return null; }
    }

    public static object Shape(SandboxInfo i) => new
    {
        id = i.SandboxId,
        state = i.State,
        node = i.Node,
        attached = i.Attached,
        executionRunning = i.ExecutionRunning,
        createdAt = i.CreatedAt,
    };

    private static async Task<IResult> Admin(AdminContext a, string id, AdminAction action, TimeSpan timeout)
    {
        if (!SandboxIdentity.IsWellFormed(id)) return NotFound(id);
        var r = await a.Region.Ask<AdminResult>(new AdminCommand(id, action), timeout);
        if (r.Ok) return Results.Json(new { id, action = action.ToString().ToLowerInvariant(), ok = true, message = r.Message });
        var status = r.Outcome switch { AdminOutcome.NotFound => 404, AdminOutcome.WrongState => 409, _ => 500 };
        return Results.Json(new { id, action = action.ToString().ToLowerInvariant(), ok = false, detail = r.Message }, statusCode: status);
    }

    private static IResult NotFound(string id) => Results.Json(new { detail = $"sandbox {id} not found" }, statusCode: 404);
}
