using Akka.Actor;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Gateway.Api;

/// <summary>
/// <see cref="ISandboxApi"/> over the sandbox actors: each call becomes one command to the sandbox's
/// entity through the shard region (any host), carrying what the caller presented, and its answer
/// becomes a view or an <see cref="ApiError"/>. This part holds what every call shares; the calls
/// live in the other parts of this class, one concern each.
/// </summary>
public sealed partial class SandboxApi(SandboxGateway gateway) : ISandboxApi
{
    /// <summary>A description or refusal comes back at once; a sandbox mid-operation defers the call until it is done.</summary>
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HostCheckInterval = TimeSpan.FromMilliseconds(500);
    /// <summary>Pause and resume wait for a checkpoint or a restore.</summary>
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromMinutes(3);

    private static Access AccessOf(Caller c) =>
        new(c.KeyFingerprint, c.SandboxToken is { Length: > 0 } t ? SandboxIdentity.HashToken(t) : null, c.KeysConfigured);

    private static ApiError UnknownSandbox(string id) =>
        new(ApiErrorKind.NotFound, $"No sandbox {Shorten(id)} exists for this caller: check the id, or the API key it was created with.");

    /// <summary>A call whose sandbox side is not built yet says so (REST answers 501) instead of pretending.</summary>
    private static NotImplementedException NotYet(string what) => new($"{what} is not available on this server yet.");

    private static string Shorten(string s) => s.Length > 80 ? s[..80] + "…" : s;

    /// <summary>Sends a sandbox-scoped command and waits for its description (or refusal).</summary>
    private async Task<ApiResult<SandboxSummary>> AskSandboxAsync(string sandboxId, IWithSandboxId command, TimeSpan timeout, CancellationToken ct)
    {
        // nothing we issued looks like this: do not wake a sharding entity for it
        if (!SandboxIdentity.IsWellFormed(sandboxId)) return UnknownSandbox(sandboxId);
        var answer = await AskAsync(command, timeout, ct);
        if (!answer.Ok) return answer.Error;
        return answer.Value is SandboxDescription d
            ? d.Summary
            : new ApiError(ApiErrorKind.Internal, $"The sandbox answered {answer.Value.GetType().Name} unexpectedly.");
    }

    /// <summary>One command to a sandbox; a refusal becomes its error, a silent host a 503.</summary>
    private async Task<ApiResult<object>> AskAsync(IWithSandboxId command, TimeSpan timeout, CancellationToken ct)
    {
        object answer;
        try
        {
            var asked = gateway.Region.Ask<object>(command, timeout, ct);
            // a long operation: its caller hears within a few seconds if the sandbox's host dies meanwhile
            if (timeout > AskTimeout && SandboxHosts.HostOf(gateway.System, command.SandboxId) is { } host)
                while (!asked.IsCompleted)
                {
                    await Task.WhenAny(asked, Task.Delay(HostCheckInterval, ct));
                    if (!asked.IsCompleted && !SandboxHosts.Reachable(gateway.System, host))
                    {
                        _ = asked.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);   // it times out unheard
                        return new ApiError(ApiErrorKind.Unavailable,
                            $"The host of sandbox {command.SandboxId} ({host}) left the cluster or became unreachable while it worked on this; " +
                            "nothing was acknowledged. Try again: a sandbox with a checkpoint comes back on another host.", RetryAfter: TimeSpan.FromSeconds(5));
                    }
                }
            answer = await asked;
        }
        catch (AskTimeoutException)
        {
            return new ApiError(ApiErrorKind.Unavailable,
                $"Sandbox {command.SandboxId} did not answer within {timeout.TotalSeconds:0} s: its host may be down or busy; try again.",
                RetryAfter: TimeSpan.FromSeconds(5));
        }
        if (answer is ApiRefused r) return Error(r);
        return answer;
    }

    private static ApiError Error(ApiRefused r) => new(r.Kind switch
    {
        ApiRefusal.NotFound => ApiErrorKind.NotFound,
        ApiRefusal.Forbidden => ApiErrorKind.Forbidden,
        ApiRefusal.Conflict => ApiErrorKind.Conflict,
        ApiRefusal.Invalid => ApiErrorKind.Invalid,
        ApiRefusal.BadRequest => ApiErrorKind.BadRequest,
        ApiRefusal.TooLarge => ApiErrorKind.TooLarge,
        _ => ApiErrorKind.Internal,
    }, r.Detail);

    /// <summary>Records a security-relevant call and how it ended, then hands its answer on.</summary>
    private ApiResult<T> Audited<T>(string action, Caller caller, string sandboxId, ApiResult<T> r)
    {
        gateway.Audit.Record(action, r.Ok ? "ok" : r.Error.Kind is ApiErrorKind.Internal or ApiErrorKind.Unavailable ? "failed" : "refused",
            caller.KeyFingerprint, sandboxId, caller.Remote?.ToString(), r.Ok ? null : r.Error.Detail);
        return r;
    }

    /// <summary>The API's view of a sandbox (the token only when it was just created).</summary>
    private static SandboxView View(SandboxSummary s, string? token = null) => new()
    {
        SandboxId = s.SandboxId,
        SandboxToken = token,
        State = s.State,
        Labels = s.Labels,
        CreatedAt = s.CreatedAt,
        ExpiresAt = s.ExpiresAt,
        Network = NetworkPolicyRules.View(s),
        Node = s.Node,
        LastActivityAt = s.LastActivityAt,
        IdleTimeout = s.IdleTimeoutSeconds,
        OnIdle = s.OnIdle == IdleAction.Pause ? "pause" : "kill",
        EnableCheckpoint = s.EnableCheckpoint,
        EndedAt = s.EndedAt,
        EndedReason = s.EndedReason,
        EndedDetail = s.EndedDetail,
    };
}
