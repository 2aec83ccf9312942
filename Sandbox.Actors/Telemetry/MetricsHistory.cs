namespace Sandbox.Actors.Telemetry;

/// <summary>The last <paramref name="capacity"/> samples of a node, oldest first (a bounded ring: one hour at the sample interval).</summary>
public sealed class MetricsHistory(int capacity)
{
    private readonly Queue<MetricsSample> _samples = new();

    public int Capacity { get; } = Math.Max(1, capacity);
    public int Count => _samples.Count;

    public void Add(MetricsSample sample)
    {
        _samples.Enqueue(sample);
        while (_samples.Count > Capacity) _samples.Dequeue();
    }

    /// <summary>The samples taken after <paramref name="since"/> (all of them without it).</summary>
    public IReadOnlyList<MetricsSample> Since(DateTimeOffset? since) =>
        since is { } t ? _samples.Where(s => s.At > t).ToList() : _samples.ToList();
}
