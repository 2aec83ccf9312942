using System.Text.Json;
using Sandbox.Host.Logging;

namespace Sandbox.Host.Admin;

/// <summary>
/// <c>sandboxctl logs peek | tail</c> and <c>sandboxctl audit peek | tail</c>: this node's recent log
/// lines and audit lines (<see cref="LogRings"/>), and new ones as they come (SSE).
/// </summary>
public static class LogEndpoints
{
    public static void MapLogAdmin(this WebApplication app)
    {
        MapRing(app, "/admin/logs", LogRings.Node, defaultCount: 200, "log lines of this node");
        MapRing(app, "/admin/audit", LogRings.Audit, defaultCount: 50, "audit lines of this node");
    }

    private static void MapRing(WebApplication app, string path, LogRing ring, int defaultCount, string what)
    {
        app.MapGet(path, (HttpRequest r) =>
        {
            var n = defaultCount;
            if (r.Query.TryGetValue("n", out var v) && (!int.TryParse(v, out n) || n < 1))
                return Results.Json(new { detail = $"n must be a whole number of lines from 1 to {ring.Capacity}" }, statusCode: 400);
            return Results.Json(new { lines = ring.Peek(Math.Min(n, ring.Capacity)), capacity = ring.Capacity });
        });

        app.MapGet(path + "/stream", async (HttpContext ctx) =>
        {
            var (lines, subscription) = ring.Tail();
            using var _ = subscription;
            ctx.Response.ContentType = "text/event-stream";
            ctx.Response.Headers.CacheControl = "no-cache";
            try
            {
                await ctx.Response.WriteAsync($": {what}\n\n", ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                await foreach (var line in lines.ReadAllAsync(ctx.RequestAborted))
                {
                    await ctx.Response.WriteAsync($"data: {JsonSerializer.Serialize(line, JsonSerializerOptions.Web)}\n\n", ctx.RequestAborted);
                    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                }
            }
            catch (OperationCanceledException) { /* the client left */ }
        });
    }
}
