using Sandbox.Actors.Hosts;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Sandbox.Host.Configuration;

namespace Sandbox.Host.Health;

/// <summary>
/// Liveness and readiness. Ready means this node is Up in the cluster and can do its job: its
/// sandbox region (or proxy) is registered; a gateway sees at least one sandbox host that is Up; a
/// sandbox host can run runsc and reach its journal (gateways write no journal, so an outage of it
/// does not take them out of a load balancer: their clients get the protocol's errors instead).
/// </summary>
public static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app, SandboxHostSettings s)
    {
        var runsc = s.IsSandboxHost ? RunscCheck.Create(s.Runsc) : null;
        var journal = s.IsSandboxHost ? JournalCheck.Create(s) : null;
        app.MapGet("/healthz/live", () => Results.Json(new { status = "live" }));
        app.MapGet("/healthz/ready", async (ActorSystem system, ActorRegistry registry, CancellationToken ct) =>
        {
            var cluster = Cluster.Get(system);
            var state = cluster.State;
            var problems = new List<string>();
            // a node on its way out takes no new traffic, even while it is still Up and draining
            if (CoordinatedShutdown.Get(system).ShutdownReason is { } why) problems.Add($"this node is shutting down ({why.GetType().Name})");
            if (cluster.SelfMember.Status != MemberStatus.Up) problems.Add($"this node is {cluster.SelfMember.Status}, not Up");
            var hostsUp = state.Members.Count(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.SandboxHost) && !state.Unreachable.Contains(m));
            if (s.IsGateway && hostsUp == 0) problems.Add("no sandbox host is up");
            if (await RegionProblem(registry) is { } region) problems.Add(region);
            // independent of each other: run both at once
            var runscProblem = runsc?.ProblemAsync(ct) ?? Task.FromResult<string?>(null);
            var journalProblem = journal?.ProblemAsync(ct) ?? Task.FromResult<string?>(null);
            if (await runscProblem is { } r) problems.Add(r);
            if (await journalProblem is { } j) problems.Add(j);
            var body = new
            {
                status = problems.Count == 0 ? "ready" : "not ready",
                node = cluster.SelfAddress.ToString(),
                roles = s.Roles,
                members = state.Members.Count(m => m.Status == MemberStatus.Up),
                sandboxHostsUp = hostsUp,
                problems,
            };
            return Results.Json(body, statusCode: problems.Count == 0 ? 200 : 503);
        });
    }

    /// <summary>The region (or proxy) is registered and its actor answers.</summary>
    private static async Task<string?> RegionProblem(ActorRegistry registry)
    {
        if (!registry.TryGet<SandboxRegion>(out var region)) return "the sandbox shard region is not registered yet";
        try
        {
            var id = await region.Ask<ActorIdentity>(new Identify("ready"), TimeSpan.FromSeconds(2));
            return id.Subject is null ? "the sandbox shard region has stopped" : null;
        }
        catch (Exception) { return "the sandbox shard region does not answer"; }
    }
}
