using System.Text.Json;
using Sandbox.Host.Logging;

namespace Sandbox.Host.Admin;

/// <summary><c>sandboxctl logs peek | tail</c>: this node's recent log lines, and new ones as they come (SSE).</summary>
public static class LogEndpoints
{
    public static void MapLogAdmin(this WebApplication app)
    {
        app.MapGet("/admin/logs", (HttpRequest r) =>
        {
            var n = r.Query.TryGetValue("n", out var v) && int.TryParse(v, out var parsed) ? Math.Clamp(parsed, 1, LogRing.Capacity) : 200;
            return Results.Json(new { lines = LogRing.Peek(n) });
        });

        app.MapGet("/admin/logs/stream", async (HttpContext ctx) =>
        {
            var (lines, subscription) = LogRing.Tail();
            using var _ = subscription;
            ctx.Response.ContentType = "text/event-stream";
            ctx.Response.Headers.CacheControl = "no-cache";
            try
            {
                await ctx.Response.WriteAsync(": log lines of this node\n\n", ctx.RequestAborted);
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
