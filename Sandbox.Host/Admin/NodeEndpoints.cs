using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Sandbox.Actors.Hosting;
using Sandbox.Host.Configuration;
using static Sandbox.Actors.Sandboxes.SandboxProtocol;

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
            return Results.Json(new { address = c.SelfAddress.ToString(), status = c.SelfMember.Status.ToString(), roles = a.Settings.Roles, load });
        });

        app.MapPost("/admin/node/drain", DrainAsync);
    }

    private static async Task<IResult> DrainAsync(AdminContext a, HttpRequest request)
    {
        if (!a.Settings.IsSandboxHost)
            return Results.Json(new { detail = "this node runs no sandboxes (not a sandbox-host); use `cluster leave` to take it out" }, statusCode: 409);
        var timeout = TimeSpan.FromSeconds(request.Query.TryGetValue("timeout", out var t) && int.TryParse(t, out var secs) && secs > 0 ? Math.Min(secs, 600) : 120);
        var sw = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + timeout;
        var system = a.System;
        var cluster = a.Cluster;
        var self = cluster.SelfAddress;

        HostLoad before;
        try { before = await a.LocalHostAgent.Ask<HostLoad>(DrainHost.Instance, TimeSpan.FromSeconds(10)); }
        catch (Exception e) { return Results.Json(new { detail = $"the host agent did not answer: {e.Message}" }, statusCode: 503); }
        var leaving = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);

        // the hand-off: every sandbox of this node is checkpointed or deleted, and gives its slot back
        while (a.Node.Capacity.Occupied > 0 && DateTime.UtcNow < deadline) await Task.Delay(200);
        var remaining = a.Node.Capacity.SandboxIds;

        // what became of each, asked of a host that stays (its region finds the sandbox's new home)
        var survivors = cluster.State.Members.Where(m => m.Address != self && m.Status == MemberStatus.Up && m.HasRole(NodeRoles.SandboxHost)).Select(m => m.Address).ToList();
        var outcomes = new List<object>();
        foreach (var id in before.SandboxIds)
        {
            var info = survivors.Count == 0 ? null : await AskElsewhere(a, survivors, id, deadline);
            outcomes.Add(new { id, state = info?.State ?? "unknown", node = info?.Node });
        }

        // the leave itself: Leaving, Exiting, then removed (or the system stops)
        while (DateTime.UtcNow < deadline && !leaving.IsCompleted && !system.WhenTerminated.IsCompleted
               && cluster.SelfMember.Status is not (MemberStatus.Exiting or MemberStatus.Removed or MemberStatus.Down))
            await Task.Delay(200);
        var status = system.WhenTerminated.IsCompleted ? "Removed" : cluster.SelfMember.Status.ToString();
        return Results.Json(new
        {
            node = self.ToString(),
            sandboxesBefore = before.SandboxIds,
            sandboxes = outcomes,
            remainingOnNode = remaining,
            status,
            left = status is "Exiting" or "Removed" or "Down",
            seconds = Math.Round(sw.Elapsed.TotalSeconds, 1),
        });
    }

    /// <summary>The sandbox's state through another host's region; retried while its shard is still being handed over.</summary>
    private static async Task<SandboxInfo?> AskElsewhere(AdminContext a, IReadOnlyList<Address> survivors, string id, DateTime deadline)
    {
        for (var attempt = 0; attempt < 6 && DateTime.UtcNow < deadline; attempt++)
        {
            try { return await a.RegionOn(survivors[attempt % survivors.Count]).Ask<SandboxInfo>(new GetSandboxInfo(id), TimeSpan.FromSeconds(4)); }
            catch (Exception) { await Task.Delay(500); }
        }
        return null;
    }
}
