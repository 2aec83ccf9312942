using System.Text;
using System.Text.Json;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway.Api.Rest;
using Sandbox.Gateway.Http;
using Sandbox.Gateway.Mcp;
using Sandbox.Gateway.Sessions;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Gateway;

/// <summary>The public surface of PROTOCOL.md (WebSocket /create and /attach, HTTP §11), API v1 (/v1, /openapi/v1.json) and /mcp.</summary>
public static class GatewayEndpoints
{
    /// <summary>The services the endpoints of <see cref="MapSandboxGateway"/> need beyond <see cref="SandboxGateway"/> (and the facade, <see cref="Api.ISandboxApi"/>).</summary>
    public static IServiceCollection AddSandboxGatewayEndpoints(this IServiceCollection services) =>
        services.AddSandboxOpenApi().AddSandboxMcp();

    public static IEndpointRouteBuilder MapSandboxGateway(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Json(new { message = "Server is running" }));
        app.MapGet("/status", () => Results.Json(new { status = "ok" }));

        app.Map("/create", async (HttpContext ctx, SandboxGateway gw) =>
        {
            if (!ctx.WebSockets.IsWebSocketRequest) { ctx.Response.StatusCode = 400; return; }
            await WebSocketSessions.RunAsync(ctx, gw, new SessionMode.Create(gw.KeyOf(ctx.Request)));
        }).AddEndpointFilter(new ApiKeyFilter(RouteAccess.Client));

        app.Map("/attach/{sandboxId}", async (HttpContext ctx, string sandboxId, SandboxGateway gw) =>
        {
            if (!ctx.WebSockets.IsWebSocketRequest) { ctx.Response.StatusCode = 400; return; }
            // §5.1: without the parameter the handshake is refused; an empty value is answered in-band.
            if (!ctx.Request.Query.TryGetValue("sandbox_token", out var token))
            {
                ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }
            await WebSocketSessions.RunAsync(ctx, gw, new SessionMode.Attach(sandboxId, token.ToString(), gw.KeyOf(ctx.Request)));
        }).AddEndpointFilter(new ApiKeyFilter(RouteAccess.Client));

        app.MapPost("/execute", ExecuteAsync).AddEndpointFilter(new ApiKeyFilter(RouteAccess.Client));

        var operatorRoutes = app.MapGroup("").AddEndpointFilter(new ApiKeyFilter(RouteAccess.Operator));
        operatorRoutes.MapGet("/list", async (SandboxGateway gw) =>
        {
            var listings = await gw.AskHostsAsync<ContainerListing>(ListContainers.Instance);
            return Results.Json(new
            {
                containers = listings.SelectMany(l => l.Answer.Containers.Select(c => new { id = c.Id, status = c.Status, pid = c.Pid, created = c.Created, node = l.Answer.Node })),
            });
        });
        operatorRoutes.MapPost("/containers/{id}/suspend", (string id, SandboxGateway gw) => Admin(gw, id, AdminAction.Suspend, $"App {id} suspended"));
        operatorRoutes.MapPost("/containers/{id}/resume", (string id, SandboxGateway gw) => Admin(gw, id, AdminAction.Resume, $"App {id} restored"));
        operatorRoutes.MapDelete("/containers/{id}", (string id, SandboxGateway gw) => Admin(gw, id, AdminAction.Delete, $"App {id} deleted"));

        app.MapSandboxApiV1();
        app.MapSandboxMcp();
        return app;
    }

    private static async Task<IResult> Admin(SandboxGateway gw, string id, AdminAction action, string done)
    {
        if (!SandboxIdentity.IsWellFormed(id)) return Results.Json(new { detail = $"sandbox {id} not found" }, statusCode: 404);
        var r = await gw.Region.Ask<AdminResult>(new AdminCommand(id, action), TimeSpan.FromSeconds(30));
        return r.Outcome switch
        {
            AdminOutcome.Done => Results.Json(new { status = done }),
            AdminOutcome.NotFound => Results.Json(new { detail = r.Message }, statusCode: 404),
            AdminOutcome.WrongState => Results.Json(new { detail = r.Message }, statusCode: 409),
            _ => Results.Json(new { detail = r.Message }, statusCode: 500),
        };
    }

    /// <summary>POST /execute?language=python|bash: a one-shot sandbox whose output streams back as text.</summary>
    private static async Task ExecuteAsync(HttpContext ctx, SandboxGateway gw)
    {
        var language = ctx.Request.Query.TryGetValue("language", out var l) ? l.ToString() : "python";
        if (!ClientCommandParser.Languages.Contains(language))
        {
            await Problem(ctx, 400, $"Unsupported language: '{language}'. Supported languages are: {ClientCommandParser.SupportedLanguages}");
            return;
        }
        var limit = gw.Options.MaxExecuteBodyBytes;
        if (ctx.Request.ContentLength > limit)
        {
            await Problem(ctx, 413, $"Request body too large: the limit is {limit} bytes.");
            return;
        }
        string? code;
        try
        {
            code = await ReadBodyAsync(ctx, limit);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel cut the body (too slow, malformed chunking): answer with its status, not a logged crash
            if (!ctx.Response.HasStarted) await Problem(ctx, e.StatusCode, $"Bad request body: {e.Message}");
            return;
        }
        if (code is null)
        {
            await Problem(ctx, 413, $"Request body too large: the limit is {limit} bytes.");
            return;
        }
        if (ctx.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
        {
            // the reference reads a JSON body as {"code": "..."}; a JSON string is taken as the code too
            try
            {
                using var doc = JsonDocument.Parse(code);
                code = doc.RootElement.ValueKind switch
                {
                    JsonValueKind.Object when doc.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String => c.GetString()!,
                    JsonValueKind.String => doc.RootElement.GetString()!,
                    _ => code,
                };
            }
            catch (JsonException) { /* not JSON after all: run it as written */ }
        }
        if (string.IsNullOrWhiteSpace(code))
        {
            await Problem(ctx, 400, "Empty body: send the code to run as the request body.");
            return;
        }
        ctx.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var channel = new ExecuteChannel(ctx.Response);
        var session = gw.System.ActorOf(SessionActor.PropsFor(gw, new SessionMode.Execute(language, code, gw.KeyOf(ctx.Request)), channel, ctx.Connection.RemoteIpAddress?.ToString()));
        try
        {
            await channel.Finished.WaitAsync(ctx.RequestAborted);
        }
        catch (OperationCanceledException) { /* client went away */ }
        finally
        {
            // ending the session deletes its one-shot sandbox, whether the run finished or the client left
            session.Tell(ClientConnection.Disconnected.Instance);
        }
    }

    private static async Task<string?> ReadBodyAsync(HttpContext ctx, long limit)
    {
        var ms = new MemoryStream();
        var buf = new byte[64 * 1024];
        int n;
        while ((n = await ctx.Request.Body.ReadAsync(buf, ctx.RequestAborted)) > 0)
        {
            if (ms.Length + n > limit) return null;
            ms.Write(buf, 0, n);
        }
        return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }

    private static Task Problem(HttpContext ctx, int status, string detail)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(new { detail });
    }
}
