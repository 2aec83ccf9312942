using Akka.Actor;
using Akka.Cluster;
using Sandbox.Host.Configuration;

namespace Sandbox.Host.Health;

/// <summary>
/// Liveness and readiness. Ready means this node is Up in the cluster and can do its job: a
/// gateway sees at least one sandbox host that is Up; a sandbox host has its region running.
/// </summary>
public static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app, SandboxHostSettings s)
    {
        app.MapGet("/healthz/live", () => Results.Json(new { status = "live" }));
        app.MapGet("/healthz/ready", (ActorSystem system) =>
        {
            var cluster = Cluster.Get(system);
            var state = cluster.State;
            var problems = new List<string>();
            if (cluster.SelfMember.Status != MemberStatus.Up) problems.Add($"this node is {cluster.SelfMember.Status}, not Up");
            var hostsUp = state.Members.Count(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.SandboxHost) && !state.Unreachable.Contains(m));
            if (s.IsGateway && hostsUp == 0) problems.Add("no sandbox host is up");
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
}
