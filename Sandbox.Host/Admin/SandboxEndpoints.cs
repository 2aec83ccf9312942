using Akka.Actor;
using Akka.Cluster.Sharding;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Host.Admin;

/// <summary><c>sandboxctl sandbox …</c>: the sandboxes of the cluster (<see cref="SandboxListing"/>: the
/// catalog and the hosts), one sandbox's description and history, its location, and the operator's
/// checkpoint and kill through the shard region.</summary>
public static class SandboxEndpoints
{
    /// <summary>Generous: right after a node left, its shards are re-homed on first use.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    /// <summary>A checkpoint answers once its archive is stored: seconds, more under load.</summary>
    private static readonly TimeSpan CheckpointTimeout = TimeSpan.FromSeconds(150);

    public static void MapSandboxAdmin(this WebApplication app)
    {
        app.MapGet("/admin/hosts", async (AdminContext a) => Results.Json(new { hosts = await a.HostLoadsAsync() }));

        app.MapGet("/admin/sandboxes", async (AdminContext a, HttpRequest r) =>
        {
            var (filter, problem) = SandboxFilter.Parse(r.Query);
            if (filter is null) return Results.Json(new { detail = problem }, statusCode: 400);
            var listing = await SandboxListing.ListAsync(a, filter);
            return Results.Json(new { sandboxes = listing.Sandboxes, catalogUnavailable = listing.CatalogUnavailable });
        });

        app.MapGet("/admin/sandboxes/{id}", async (AdminContext a, string id) =>
        {
            if (!SandboxIdentity.IsWellFormed(id)) return NotFound(id);
            // an operator is trusted with every sandbox, whoever owns it (Access.Operator)
            var described = await a.Region.Ask<object>(new DescribeSandbox(id, Access.Operator), Timeout);
            if (described is not SandboxDescription d) return Refused(id, described);
            var history = await a.Region.Ask<object>(new GetSandboxHistory(id, Access.Operator), Timeout);
            var info = d.Summary.State is "starting" or "running" ? await InfoOrNull(a, id) : null;
            var row = SandboxListing.FromCatalog(d.Summary) with { Attached = info?.Attached, ExecutionRunning = info?.ExecutionRunning };
            return Results.Json(new
            {
                row.Id, row.State, node = row.Host, row.Owner, row.Labels, row.CreatedAt, row.LastActivityAt, row.ExpiresAt,
                row.EndedAt, row.EndedReason, row.EndedDetail, d.Summary.IdleTimeoutSeconds,
                onIdle = d.Summary.OnIdle.ToString().ToLowerInvariant(), d.Summary.EnableCheckpoint, row.Attached, row.ExecutionRunning,
                history = history is SandboxHistory h ? h.Entries.Select(e => new { at = e.At, type = e.Type, detail = e.Detail }) : null,
            });
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

    private static async Task<IResult> Admin(AdminContext a, string id, AdminAction action, TimeSpan timeout)
    {
        if (!SandboxIdentity.IsWellFormed(id)) return NotFound(id);
        var r = await a.Region.Ask<AdminResult>(new AdminCommand(id, action), timeout);
        if (r.Ok) return Results.Json(new { id, action = action.ToString().ToLowerInvariant(), ok = true, message = r.Message });
        var status = r.Outcome switch { AdminOutcome.NotFound => 404, AdminOutcome.WrongState => 409, _ => 500 };
        return Results.Json(new { id, action = action.ToString().ToLowerInvariant(), ok = false, detail = r.Message }, statusCode: status);
    }

    private static IResult Refused(string id, object answer) => answer switch
    {
        ApiRefused { Kind: ApiRefusal.NotFound } => NotFound(id),
        ApiRefused r => Results.Json(new { detail = r.Detail }, statusCode: r.Kind == ApiRefusal.Conflict ? 409 : 500),
        _ => Results.Json(new { detail = $"sandbox {id} answered {answer.GetType().Name} unexpectedly" }, statusCode: 500),
    };

    private static IResult NotFound(string id) => Results.Json(new { detail = $"sandbox {id} not found" }, statusCode: 404);
}
