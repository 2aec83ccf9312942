namespace Sandbox.Core.Sandboxes;

public static class EndedReasons
{
    /// <summary>The snake_case names of the API.</summary>
    public static string ToApiName(this EndedReason r) => r switch
    {
        EndedReason.Killed => "killed",
        EndedReason.IdleTimeout => "idle_timeout",
        EndedReason.TtlExpired => "ttl_expired",
        EndedReason.DeletedByOperator => "deleted_by_operator",
        EndedReason.HostLost => "host_lost",
        EndedReason.RuntimeFailed => "runtime_failed",
        EndedReason.Evicted => "evicted",
        _ => throw new ArgumentOutOfRangeException(nameof(r), r, null),
    };
}
