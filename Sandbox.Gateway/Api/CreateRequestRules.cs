using System.Collections.Immutable;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway.Sessions;

namespace Sandbox.Gateway.Api;

/// <summary>The values a create may hold (API-v1.md §2), checked for every surface alike; each
/// refusal is a 422 (or 409 for what the server cannot do) naming the field.</summary>
public static class CreateRequestRules
{
    /// <summary>Ten years: longer lifetimes are beyond any use (and any timer).</summary>
    public const double MaxTtlSeconds = 10 * 365 * 24 * 3600.0;

    public static string? TtlProblem(double seconds) =>
        !double.IsFinite(seconds) || seconds <= 0 ? "ttl_seconds must be a number of seconds greater than 0."
        : seconds > MaxTtlSeconds ? $"ttl_seconds must be at most {MaxTtlSeconds:0} (ten years)."
        : null;

    public static ApiResult<SandboxSettings> Settings(CreateSandboxRequest r, GatewayOptions options)
    {
        if (r.IdleTimeout is { } idle && (!double.IsFinite(idle) || idle < 0 || idle > InitMessage.MaxIdleTimeoutSeconds))
            return new ApiError(ApiErrorKind.Invalid, $"idle_timeout must be from 0 (never) to {InitMessage.MaxIdleTimeoutSeconds:0} seconds.", "idle_timeout");
        if (r.TtlSeconds is { } ttl && TtlProblem(ttl) is { } ttlProblem) return new ApiError(ApiErrorKind.Invalid, ttlProblem, "ttl_seconds");
        if (LabelRules.Problem(r.Labels) is { } labels) return new ApiError(ApiErrorKind.Invalid, labels + ".", "labels");
        var onIdle = r.OnIdle switch
        {
            null or "kill" => IdleAction.Kill,
            "pause" => IdleAction.Pause,
            _ => (IdleAction?)null,
        };
        if (onIdle is null) return new ApiError(ApiErrorKind.Invalid, $"on_idle must be \"kill\" or \"pause\", not \"{r.OnIdle}\".", "on_idle");
        if (onIdle == IdleAction.Pause && !r.EnableCheckpoint)
            return new ApiError(ApiErrorKind.Invalid, "on_idle \"pause\" needs \"enable_checkpoint\": true (a pause is a checkpoint).", "on_idle");
        SandboxNetworkPolicy? network = null;   // none given: the node's default (§6)
        if (r.Network is { } requested)
        {
            var parsed = NetworkPolicyRules.Parse(requested, options, "network");
            if (!parsed.Ok) return parsed.Error;
            network = parsed.Value;
        }
        var settings = new SandboxSettings(r.IdleTimeout is > 0 ? r.IdleTimeout : null, r.EnableCheckpoint, false, false,
            r.FilesystemSnapshotName is { Length: > 0 } n ? n : null, false)
        {
            Labels = (r.Labels ?? new Dictionary<string, string>()).ToImmutableSortedDictionary(),
            TtlSeconds = r.TtlSeconds,
            TtlCountsPaused = r.TtlCountsPaused,
            OnIdle = onIdle.Value,
            Network = network,
        };
        if (options.CreationRefusal(settings) is { } refusal)
            return new ApiError(ApiErrorKind.Conflict, refusal, r.EnableCheckpoint && !options.CheckpointStorageEnabled ? "enable_checkpoint" : "filesystem_snapshot_name");
        return settings;
    }
}
