namespace Sandbox.Core.Sandboxes;

/// <summary>Why a sandbox ended (API-v1.md §2 <c>ended_reason</c>).</summary>
public enum EndedReason
{
    /// <summary>Its client killed or deleted it (a one-shot /execute sandbox whose run ended, too).</summary>
    Killed,
    IdleTimeout,
    TtlExpired,
    DeletedByOperator,
    /// <summary>Its host died (or was cut off) and it had no checkpoint to fall back on.</summary>
    HostLost,
    /// <summary>Its gVisor sandbox died or could not start; the detail says why.</summary>
    RuntimeFailed,
    /// <summary>It could not be checkpointed and had to be removed (node shutdown, memory pressure).</summary>
    Evicted,
}
