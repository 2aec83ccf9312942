using Sandbox.Actors.Runsc;

namespace Sandbox.Tests.Core;

/// <summary>The warm pool's size from the creates it has seen (pure, no runsc).</summary>
public class WarmPoolSizingSpec
{
    private static readonly DateTime Now = new(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);
    private static readonly WarmPoolSizing Sizing = new(Base: 2, Max: 8);

    private static List<DateTime> At(params double[] secondsAgo) => secondsAgo.Select(s => Now.AddSeconds(-s)).Order().ToList();

    [Fact]
    public void Without_creates_or_with_creates_one_at_a_time_the_pool_keeps_its_base_size()
    {
        Assert.Equal(2, Sizing.Target([], Now, 100));
        Assert.Equal(2, Sizing.Target(At(300, 250, 200, 150, 100, 50), Now, 100));
    }

    [Fact]
    public void The_biggest_burst_within_a_second_sets_the_size()
    {
        Assert.Equal(5, Sizing.Target(At(120, 119.9, 119.8, 119.5, 119.2, 60, 59.9), Now, 100));
        Assert.Equal(3, Sizing.Target(At(30, 29.5, 29.1, 28.4), Now, 100));   // 30/29.5/29.1 within a second; 29.1/28.4 too, but only two
    }

    [Fact]
    public void Creates_one_after_another_do_not_grow_the_pool()
    {
        Assert.Equal(2, Sizing.Target(At(Enumerable.Range(0, 60).Select(i => i * 0.6).ToArray()), Now, 100));
    }

    [Fact]
    public void A_burst_counts_for_ten_minutes_and_then_is_forgotten()
    {
        Assert.Equal(6, Sizing.Target(At(599, 599, 599, 599, 599, 599), Now, 100));
        Assert.Equal(2, Sizing.Target(At(601, 601, 601, 601, 601, 601), Now, 100));
    }

    [Fact]
    public void The_size_never_passes_the_maximum_nor_the_hosts_free_slots_but_never_falls_below_the_base()
    {
        var burst = At(Enumerable.Range(0, 20).Select(i => i * 0.04).ToArray());
        Assert.Equal(8, Sizing.Target(burst, Now, 100));
        Assert.Equal(5, Sizing.Target(burst, Now, 5));
        Assert.Equal(2, Sizing.Target(burst, Now, 0));
    }

    [Fact]
    public void A_pool_whose_maximum_is_its_size_never_grows()
    {
        Assert.Equal(4, new WarmPoolSizing(4, 4).Target(At(1, 1, 1, 1, 1, 1, 1, 1, 1), Now, 100));
        Assert.Equal(16, WarmPoolSizing.DefaultMaxFor(8));
        Assert.Equal(4, WarmPoolSizing.DefaultMaxFor(1));
        Assert.Equal(20, WarmPoolSizing.DefaultMaxFor(20));
        Assert.Equal(0, WarmPoolSizing.DefaultMaxFor(0));
    }
}
