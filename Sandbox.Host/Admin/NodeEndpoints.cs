using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Sandbox.Actors.Hosts;

namespace Sandbox.Host.Admin;

/// <summary>
/// <c>sandboxctl node …</c>: this node, and <c>node drain</c>: no new sandboxes here, then a graceful
/// leave (coordinated shutdown with the cluster-leaving reason). Sharding's hand-off checkpoints the
/// checkpoint-enabled sandboxes and deletes the others; the answer comes once they are all gone
/// from this node and it has left, and says what became of each.
/// </summary>
public static class NodeEndpoints
{
    public static void MapNodeAdmin(this WebApplication app)
    {
        app.MapGet("/admin/node", async (AdminContext a) =>
        {
            var c = a.Cluster;
            HostLoad? load = null;
            if (a.Settings.IsSandboxHost)
            {
                try { load = await a.LocalHostAgent.Ask<HostLoad>(GetHostLoad.Instance, TimeSpan.FromSeconds(5)); }
                catch (Exception) { /* stopping: no load to show */ }
            }
            var plan = a.Node.CapacityPlan;
            var capacity = plan is null ? null : new { maxSandboxes = plan.Sandboxes, boundBy = HostSizing.Describe(plan.BoundBy), explanation = plan.Explanation };
            return Results.Json(new { address = c.SelfAddress.ToString(), status = c.SelfMember.Status.ToString(), roles = a.Settings.Roles, load, capacity });
        });

        app.MapPost("/admin/node/drain", DrainAsync);
    }

    private static async Task<IResult> DrainAsync(AdminContext a, DrainReport report, HttpRequest request)
    {
        if (!a.Settings.IsSandboxHost)
            return Results.Json(new { detail = "this node runs no sandboxes (not a sandbox-host); use `cluster leave` to take it out" }, statusCode: 409);
        var timeout = TimeSpan.FromSeconds(request.Query.TryGetValue("timeout", out var t) && int.TryParse(t, out var secs) && secs > 0 ? Math.Min(secs, 600) : 120);
        var sw = Stopwatch.StartNew();
        var system = a.System;
        var cluster = a.Cluster;

        HostLoad before;
        try { before = await a.LocalHostAgent.Ask<HostLoad>(DrainHost.Instance, TimeSpan.FromSeconds(10)); }
        catch (Exception e) { return Results.Json(new { detail = $"the host agent did not answer: {e.Message}" }, statusCode: 503); }
        var outcomes = report.Expect(before.SandboxIds);
        // the hand-off (each sandbox checkpointed or deleted), then the leave; the report is taken in between
        var leaving = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        var reported = await Task.WhenAny(outcomes, Task.Delay(timeout)) == outcomes ? outcomes.Result : null;
        var remaining = a.Node.Capacity.SandboxIds;

        var deadline = DateTime.UtcNow + (timeout - sw.Elapsed);
        while (DateTime.UtcNow < deadline && !leaving.IsCompleted && !system.WhenTerminated.IsCompleted
               && cluster.SelfMember.Status is not (MemberStatus.Exiting or MemberStatus.Removed or MemberStatus.Down))
            await Task.Delay(200);
        var status = system.WhenTerminated.IsCompleted ? "Removed" : cluster.SelfMember.Status.ToString();
        return Results.Json(new
        {
            node = cluster.SelfAddress.ToString(),
            sandboxesBefore = before.SandboxIds,
            sandboxes = reported?.Select(o => new { id = o.Id, state = o.State, node = o.Node })
                        ?? before.SandboxIds.Select(id => new { id, state = "unknown", node = (string?)null }),
            remainingOnNode = remaining,
            status,
            left = status is "Exiting" or "Removed" or "Down",
            seconds = Math.Round(sw.Elapsed.TotalSeconds, 1),
        });
    }
}
