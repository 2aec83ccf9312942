namespace Sandbox.Actors.Placement;

/// <summary>Where a new sandbox goes, or why it cannot be created now.</summary>
public abstract record PlacementDecision
{
    /// <summary>Create the sandbox under <paramref name="SandboxId"/>: its shard lives on (or will be
    /// allocated to) <paramref name="Node"/>; <see cref="PlacementBoard.UnknownHost"/> when no host has
    /// reported yet and sharding decides.</summary>
    public sealed record Placed(string SandboxId, string Node) : PlacementDecision;

    /// <summary>No room: <paramref name="Busy"/> means "try again shortly" (HTTP 429), otherwise the
    /// cluster is full (HTTP 503).</summary>
    public sealed record Refused(string Reason, bool Busy) : PlacementDecision;
}

/// <summary>Cluster-wide caps (0 = none). The per-host caps live on each host (<see cref="Hosting.HostCapacity"/>).</summary>
public sealed record ClusterLimits(int MaxSandboxes = 0, int MaxConcurrentCreates = 0);
