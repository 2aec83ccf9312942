namespace Sandbox.Actors.Runsc;

/// <summary>
/// How many containers the warm pool keeps waiting, from the creates it has seen: the most creates
/// that came within any <see cref="Burst"/> over the last <see cref="Memory"/>, at least
/// <see cref="Base"/> and at most <see cref="Max"/>, and never more than the host has free slots
/// for (a pool container the host could not hand out only holds memory). So a client that creates
/// ten sandboxes at once finds ten warm ones the next time, and ten minutes after its last burst the
/// pool is back to its base size. The burst is one second, about what a refill takes: creates one
/// after another are served by the refills (with a 10 s window, 30 sequential creates grew the pool
/// to 16 and its starts slowed every create threefold). Pure: the pool records the creates and asks.
/// </summary>
public sealed record WarmPoolSizing(int Base, int Max)
{
    public static readonly TimeSpan Burst = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Memory = TimeSpan.FromMinutes(10);

    /// <summary>The default growth for a base size: up to four times it, at most 16 (never below the base).</summary>
    public static int DefaultMaxFor(int baseSize) => baseSize == 0 ? 0 : Math.Max(baseSize, Math.Min(4 * baseSize, 16));

    /// <param name="creates">when creates asked the pool for a container, oldest first</param>
    /// <param name="freeSlots">sandboxes the host could still take</param>
    public int Target(IReadOnlyList<DateTime> creates, DateTime now, int freeSlots)
    {
        if (Max <= Base) return Base;
        var peak = 0;
        var first = 0;
        for (var last = 0; last < creates.Count; last++)
        {
            if (!Remembered(creates[last], now)) { first = last + 1; continue; }
            while (creates[last] - creates[first] >= Burst) first++;
            peak = Math.Max(peak, last - first + 1);
        }
        return Math.Clamp(Math.Min(peak, freeSlots), Base, Max);
    }

    /// <summary>The creates still worth remembering at <paramref name="now"/>.</summary>
    public static bool Remembered(DateTime create, DateTime now) => now - create <= Memory;
}
