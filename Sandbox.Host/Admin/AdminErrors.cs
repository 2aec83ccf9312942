using Akka.Actor;

namespace Sandbox.Host.Admin;

/// <summary>
/// Failures of an admin request as JSON with a reason, never an empty 500: an ask that timed out
/// is a 504 that says so (a shard moving after a node left, a region busy with a hand-off).
/// </summary>
public static class AdminErrors
{
    public static void UseAdminErrors(this WebApplication app)
    {
        app.Use(async (ctx, next) =>
        {
            try
            {
                await next();
            }
            catch (Exception e) when (!ctx.Response.HasStarted && e is AskTimeoutException or TaskCanceledException or TimeoutException)
            {
                ctx.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
                await ctx.Response.WriteAsJsonAsync(new { detail = $"the cluster did not answer in time ({e.GetBaseException().Message}); a shard may be moving, try again" });
            }
            catch (Exception e) when (!ctx.Response.HasStarted && !ctx.RequestAborted.IsCancellationRequested)
            {
                ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await ctx.Response.WriteAsJsonAsync(new { detail = $"{e.GetType().Name}: {e.GetBaseException().Message}" });
            }
        });
    }
}
