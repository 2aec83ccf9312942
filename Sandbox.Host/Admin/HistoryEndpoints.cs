using Akka.Actor;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Telemetry;

namespace Sandbox.Host.Admin;

/// <summary>
/// <c>GET /admin/history[?since=unix-ms]</c>: every sandbox host's samples of the last hour (the
/// dashboard's charts), asked of each host's <see cref="MetricsHistoryActor"/>; a host that does not
/// answer in time is listed under <c>missing</c> rather than holding up the others.
/// </summary>
public static class HistoryEndpoints
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static void MapHistoryAdmin(this WebApplication app)
    {
        app.MapGet("/admin/history", async (AdminContext a, HttpRequest r) =>
        {
            DateTimeOffset? since = null;
            if (r.Query.TryGetValue("since", out var v) && v.ToString().Length > 0)
            {
                if (!long.TryParse(v, out var ms) || ms < 0)
                    return Results.Json(new { detail = $"since must be a time in Unix milliseconds, not '{Shorten(v.ToString())}'" }, statusCode: 400);
                since = DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
            }
            var members = HostAgents.Members(a.System, NodeRoles.SandboxHost);
            var answers = await Task.WhenAll(members.Select(async m =>
            {
                try
                {
                    var on = a.System.ActorSelection(new RootActorPath(m) / "user" / MetricsHistoryActor.Name);
                    return (Member: m, Report: await on.Ask<MetricsHistoryReport>(new GetMetricsHistory(since), Timeout));
                }
                catch (Exception) { return (Member: m, Report: (MetricsHistoryReport?)null); }
            }));
            return Results.Json(new
            {
                hosts = answers.Where(x => x.Report is not null).OrderBy(x => x.Report!.Node, StringComparer.Ordinal).Select(x => new
                {
                    node = x.Report!.Node,
                    intervalSeconds = x.Report.IntervalSeconds,
                    samples = x.Report.Samples,
                }),
                missing = answers.Where(x => x.Report is null).Select(x => x.Member.ToString()),
            });
        });
    }

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
