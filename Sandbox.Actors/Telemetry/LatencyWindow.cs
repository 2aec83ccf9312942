namespace Sandbox.Actors.Telemetry;

/// <summary>
/// The durations of one kind of operation that finished within a trailing window (the last minute),
/// for the dashboard's p50/p95 charts. Bounded: past <paramref name="maxValues"/> the oldest go first,
/// so a burst of executions cannot hold memory. Safe from any thread (measurements arrive from wherever
/// the operation ended).
/// </summary>
public sealed class LatencyWindow(TimeSpan span, int maxValues = 20_000)
{
    private readonly object _gate = new();
    private readonly Queue<(DateTimeOffset At, double Seconds)> _values = new();

    public TimeSpan Span { get; } = span;

    public void Add(DateTimeOffset at, double seconds)
    {
        lock (_gate)
        {
            _values.Enqueue((at, seconds));
            while (_values.Count > maxValues) _values.Dequeue();
        }
    }

    /// <summary>The operations that finished in the window ending at <paramref name="now"/>.</summary>
    public Percentiles Read(DateTimeOffset now)
    {
        lock (_gate)
        {
            while (_values.Count > 0 && _values.Peek().At <= now - Span) _values.Dequeue();
            return Percentiles.Of(_values.Where(v => v.At <= now).Select(v => v.Seconds).ToList());
        }
    }
}
