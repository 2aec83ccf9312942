using Sandbox.Core.Placement;

namespace Sandbox.Tests.Core;

public class CreatePlacementSpec
{
    private static readonly DateTime T0 = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly CreatePlacement _placement = new() { StartedAt = T0, MaxAttempts = 3, BusyWait = TimeSpan.FromSeconds(30) };

    [Fact]
    public void A_placed_create_goes_to_the_host_the_board_chose()
    {
        var step = _placement.OnBoard(new PlacementDecision.Placed("sandbox-1", "host-a"), T0);
        Assert.Equal(("sandbox-1", "host-a"), (((PlacementStep.Place)step).SandboxId, ((PlacementStep.Place)step).Node));
    }

    [Fact]
    public void Busy_hosts_are_waited_for_until_the_busy_wait_is_over_then_refused_as_busy()
    {
        var busy = new PlacementDecision.Refused("busy starting", Busy: true);
        Assert.IsType<PlacementStep.RetryAfter>(_placement.OnBoard(busy, T0.AddSeconds(29)));
        Assert.Equal(new PlacementStep.Refuse("busy starting", true), _placement.OnBoard(busy, T0.AddSeconds(31)));
        Assert.Equal(new PlacementStep.Refuse("full", false), _placement.OnBoard(new PlacementDecision.Refused("full", false), T0));
        // full by a view the create is newer than: it waits for the next view, then hears the answer
        var staleFull = new PlacementDecision.Refused("full", false) { ViewTakenAt = T0.AddMilliseconds(-400) };
        Assert.IsType<PlacementStep.RetryAfter>(_placement.OnBoard(staleFull, T0.AddMilliseconds(150)));
        Assert.Equal(new PlacementStep.Refuse("full", false), _placement.OnBoard(staleFull with { ViewTakenAt = T0.AddMilliseconds(600) }, T0.AddMilliseconds(900)));
    }

    [Fact]
    public void A_host_that_refuses_is_skipped_and_after_three_refusals_the_client_hears_every_reason()
    {
        var step = _placement.OnHostRefused("host-a", "at capacity", busy: false, T0);
        var next = Assert.IsType<PlacementStep.AskBoard>(step).Placement;
        Assert.Contains("host-a", next.RefusedBy);
        next = ((PlacementStep.AskBoard)next.OnHostRefused("host-b", "draining", false, T0)).Placement;
        var refuse = Assert.IsType<PlacementStep.Refuse>(next.OnHostRefused("host-c", "at capacity", false, T0));
        Assert.Equal("No sandbox host could take the sandbox: host-a: at capacity; host-b: draining; host-c: at capacity.", refuse.Reason);
        Assert.False(refuse.Busy);
    }

    [Fact]
    public void A_host_busy_starting_others_is_asked_again_after_a_moment_rather_than_skipped()
    {
        var step = Assert.IsType<PlacementStep.RetryAfter>(_placement.OnHostRefused("host-a", "starting 8", busy: true, T0.AddSeconds(1)));
        Assert.Empty(step.Placement.RefusedBy);
    }
}
