namespace Sandbox.Core.Placement;

/// <summary>The next step of a create's placement.</summary>
public abstract record PlacementStep
{
    /// <summary>Create the sandbox under this id on this host (an empty node: sharding decides).</summary>
    public sealed record Place(string SandboxId, string Node, CreatePlacement Placement) : PlacementStep;
    /// <summary>Ask the board again after a moment.</summary>
    public sealed record RetryAfter(TimeSpan Delay, CreatePlacement Placement) : PlacementStep;
    /// <summary>Ask the board again now, without the hosts that refused.</summary>
    public sealed record AskBoard(CreatePlacement Placement) : PlacementStep;
    /// <summary>Give up: <paramref name="Busy"/> when hosts were only busy, otherwise there is no room.</summary>
    public sealed record Refuse(string Reason, bool Busy) : PlacementStep;
}
