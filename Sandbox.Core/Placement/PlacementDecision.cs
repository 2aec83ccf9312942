namespace Sandbox.Core.Placement;

/// <summary>Where a new sandbox goes, or why it cannot be created now.</summary>
public abstract record PlacementDecision
{
    /// <summary>Create the sandbox under <paramref name="SandboxId"/>: its shard lives on (or will be
    /// allocated to) <paramref name="Node"/>; an empty node when no host has
    /// reported yet and sharding decides.</summary>
    public sealed record Placed(string SandboxId, string Node) : PlacementDecision;

    /// <summary>No room: <paramref name="Busy"/> means "try again shortly", otherwise the cluster is full
    /// by a view of the hosts taken at <see cref="ViewTakenAt"/> (when known).</summary>
    public sealed record Refused(string Reason, bool Busy) : PlacementDecision
    {
        public DateTime? ViewTakenAt { get; init; }
    }
}
