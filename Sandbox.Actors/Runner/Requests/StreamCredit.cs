namespace Sandbox.Actors.Runner;

/// <summary>
/// Credit of one stream from the runner: what it may still send (violations past it), and what
/// the consumer has taken, handed back in batches of half a window.
/// </summary>
internal sealed class StreamCredit(long window)
{
    private readonly object _gate = new();
    private long _granted = window;
    private long _used;
    private long _taken;
    private long _returned;

    public long Window { get; } = window;

    /// <summary>The runner sent <paramref name="cost"/>; false when that was more than granted.</summary>
    public bool TryUse(long cost)
    {
        lock (_gate)
        {
            if (_used + cost > _granted) return false;
            _used += cost;
            return true;
        }
    }

    public long Outstanding { get { lock (_gate) return _granted - _used; } }

    /// <summary>The consumer took <paramref name="cost"/>; returns credit to grant now (0: not yet).</summary>
    public long Take(long cost)
    {
        lock (_gate)
        {
            _taken += cost;
            var give = _taken - _returned;
            if (give < Window / 2) return 0;
            _returned = _taken;
            _granted += give;
            return give;
        }
    }
}
