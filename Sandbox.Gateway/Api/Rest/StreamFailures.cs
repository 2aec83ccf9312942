using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// A streamed answer (output, download, watch) that fails: before its first byte it is still a
/// problem; after, the connection is aborted, so the client sees a broken stream (and resumes from
/// its offset) instead of an end that looks complete.
/// </summary>
public static class StreamFailures
{
    public static async Task RunAsync(HttpContext http, string what, Func<Task> stream)
    {
        try
        {
            await stream();
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // the client left
        }
        catch (NotImplementedException) when (!http.Response.HasStarted)
        {
            await ApiProblem.NotImplemented(what).ExecuteAsync(http);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Sandbox.Gateway.Api.Rest").LogError(e, "{What} failed while streaming", what);
            if (!http.Response.HasStarted)
                await new ApiProblem(StatusCodes.Status500InternalServerError, $"{what} failed on the server; it has been logged. Try again.").ExecuteAsync(http);
            else
                http.Abort();
        }
    }
}
