using Akka.Actor;
using Sandbox.Core.Calls;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Gateway.Api;

/// <summary>What the calls into a running sandbox share: one ask, one typed answer.</summary>
public sealed partial class SandboxApi
{
    /// <summary>Long enough for a restore of a paused sandbox, and for a follow poll's wait.</summary>
    private static readonly TimeSpan CallTimeout = OperationTimeout;

    private async Task<ApiResult<T>> CallAsync<T>(ISandboxCall call, CancellationToken ct) where T : class
    {
        if (!SandboxIdentity.IsWellFormed(call.SandboxId)) return UnknownSandbox(call.SandboxId);
        var answer = await AskAsync(call, CallTimeout, ct);
        if (!answer.Ok) return answer.Error;
        return answer.Value as T
               ?? (ApiResult<T>)new ApiError(ApiErrorKind.Internal, $"The sandbox answered {answer.Value.GetType().Name} to {call.GetType().Name} unexpectedly.");
    }

    /// <summary>A call whose answer nobody waits for (a transfer given up).</summary>
    private void Notify(ISandboxCall call)
    {
        if (SandboxIdentity.IsWellFormed(call.SandboxId)) gateway.Region.Tell(call, ActorRefs.NoSender);
    }

    /// <summary>Paths are absolute, without NUL bytes; everything else the sandbox judges itself.</summary>
    private static ApiError? CheckPath(string path) =>
        !path.StartsWith('/') ? new ApiError(ApiErrorKind.BadRequest, $"The path '{Shorten(path)}' is not absolute: paths inside the sandbox start with '/', e.g. /data/file.txt.", "path")
        : path.Contains('\0') ? new ApiError(ApiErrorKind.BadRequest, "The path contains a NUL byte, which no file name can hold.", "path")
        : path.Length > 4096 ? new ApiError(ApiErrorKind.BadRequest, "The path is longer than 4096 characters.", "path")
        : null;
}
