using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// Runs before every /v1 handler: answers 401 for a missing or invalid key (WebSocket routes before
/// the upgrade), establishes the <see cref="Caller"/>, and turns what a handler could not answer
/// into a problem: a facade piece that has not landed yet is a 501, anything unexpected a 500
/// whose detail names no internals.
/// </summary>
public sealed class V1AccessFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var keys = http.RequestServices.GetService<SandboxGateway>()?.Options.ApiKeys ?? ApiKeys.None;
        var (caller, problem) = V1Callers.FromRequest(http, keys);
        if (problem is not null) return problem;
        V1Callers.Remember(http, caller!);
        try
        {
            return await next(context);
        }
        catch (NotImplementedException)
        {
            return ApiProblem.NotImplemented($"{http.Request.Method} {RouteOf(http)}");
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;   // the client left; nobody reads an answer
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel cut the body (too large, too slow, malformed chunking)
            return new ApiProblem(e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "The request body is larger than this route accepts; send less."
                : "The request body could not be read: " + e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Sandbox.Gateway.Api.Rest")
                .LogError(e, "unexpected failure of {Method} {Route}", http.Request.Method, RouteOf(http));
            return new ApiProblem(StatusCodes.Status500InternalServerError,
                "The server failed while handling this request; it has been logged. Try again, and report it if it persists.");
        }
    }

    private static string RouteOf(HttpContext http) =>
        (http.GetEndpoint() as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.ToString();
}
