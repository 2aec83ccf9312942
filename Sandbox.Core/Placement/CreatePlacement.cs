using System.Collections.Immutable;

namespace Sandbox.Core.Placement;

/// <summary>
/// The gateway's policy for placing one create: how long to wait while hosts are only busy starting
/// other sandboxes, which hosts refused it (they are skipped next time), and when to give up. Pure:
/// it is told what the placement board and the hosts answered, and the time.
/// </summary>
public sealed record CreatePlacement
{
    /// <summary>How long to wait before asking again while hosts are busy (a second-old view may overstate it).</summary>
    public static readonly TimeSpan BusyRetry = TimeSpan.FromMilliseconds(150);

    public required DateTime StartedAt { get; init; }
    /// <summary>Hosts a create tries (each refusal by a full or busy host moves it to the next) before the client is told.</summary>
    public int MaxAttempts { get; init; } = 3;
    /// <summary>How long a create waits for hosts to finish starting other sandboxes before it is refused as busy.</summary>
    public TimeSpan BusyWait { get; init; } = TimeSpan.FromSeconds(30);
    public ImmutableHashSet<string> RefusedBy { get; init; } = ImmutableHashSet<string>.Empty;
    public ImmutableList<HostRefusedCreateSummary> Refusals { get; init; } = ImmutableList<HostRefusedCreateSummary>.Empty;

    /// <summary>What to do with the board's answer.</summary>
    public PlacementStep OnBoard(PlacementDecision decision, DateTime now) => decision switch
    {
        PlacementDecision.Refused { Busy: true } when now - StartedAt < BusyWait => new PlacementStep.RetryAfter(BusyRetry, this),
        // "full" by a view older than the create: sandboxes may have ended or become pausable since,
        // so the create waits for the next view (one poll interval) before it is refused
        PlacementDecision.Refused { ViewTakenAt: { } taken } when taken < StartedAt && now - StartedAt < BusyWait =>
            new PlacementStep.RetryAfter(BusyRetry, this),
        PlacementDecision.Refused r => new PlacementStep.Refuse(r.Reason, r.Busy),
        PlacementDecision.Placed p => new PlacementStep.Place(p.SandboxId, p.Node, this),
        _ => throw new ArgumentOutOfRangeException(nameof(decision)),
    };

    /// <summary>The host chose not to take the sandbox after all (it filled up since the board's view,
    /// or it is draining): place it again elsewhere, a bounded number of times.</summary>
    public PlacementStep OnHostRefused(string node, string reason, bool busy, DateTime now)
    {
        if (busy && now - StartedAt < BusyWait) return new PlacementStep.RetryAfter(BusyRetry, this);   // that host may have room in a moment
        var next = this with { RefusedBy = RefusedBy.Add(node), Refusals = Refusals.Add(new(node, reason, busy)) };
        if (next.Refusals.Count < MaxAttempts) return new PlacementStep.AskBoard(next);
        return new PlacementStep.Refuse(
            "No sandbox host could take the sandbox: " + string.Join("; ", next.Refusals.Select(h => $"{h.Node}: {h.Reason}")) + ".",
            Busy: next.Refusals.All(h => h.Busy));
    }
}
