using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sandbox.Benchmark;

/// <summary>Summary of one measurement at one concurrency level, as printed and written to JSON.</summary>
public sealed record MeasurementResult
{
    public required string Measurement { get; init; }
    public required int Concurrency { get; init; }
    /// <summary>"ok", or "unavailable" when the server does not offer the feature (then see Message).</summary>
    public string Status { get; init; } = "ok";
    public string? Message { get; init; }
    public int Count { get; init; }
    public int Errors { get; init; }
    /// <summary>Operations never started because the level's time budget ran out.</summary>
    public int NotStarted { get; init; }
    public double? P50Ms { get; init; }
    public double? P95Ms { get; init; }
    public double? MaxMs { get; init; }
    public double? MeanMs { get; init; }
    public double? WallSeconds { get; init; }
    public double? RequestsPerSecond { get; init; }
    public Dictionary<string, int> ErrorKinds { get; init; } = [];
    public double[] SamplesMs { get; init; } = [];

    public static MeasurementResult Unavailable(string measurement, int concurrency, string message) =>
        new() { Measurement = measurement, Concurrency = concurrency, Status = "unavailable", Message = message };
}

/// <summary>Collects the latencies and failures of one measurement at one level; safe to use from concurrent workers.</summary>
public sealed class LatencyRecorder(string measurement, int concurrency)
{
    private readonly ConcurrentQueue<double> _samplesMs = new();
    private readonly ConcurrentDictionary<string, int> _errorKinds = new();
    private int _errors;

    public string Measurement => measurement;

    public void Record(TimeSpan elapsed) => _samplesMs.Enqueue(elapsed.TotalMilliseconds);

    public void RecordError(string reason)
    {
        Interlocked.Increment(ref _errors);
        _errorKinds.AddOrUpdate(SandboxOperations.GroupingKey(reason), 1, (_, n) => n + 1);
    }

    /// <summary>Runs one timed operation under the per-operation timeout, recording its latency or its failure.</summary>
    public async Task<T?> TimeAsync<T>(TimeSpan timeout, Func<CancellationToken, Task<T>> operation) where T : class
    {
        using var limit = new CancellationTokenSource(timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await operation(limit.Token);
            Record(Stopwatch.GetElapsedTime(started));
            return result;
        }
        catch (Exception e)
        {
            RecordError(limit.IsCancellationRequested ? $"timed out after {timeout.TotalSeconds:0} s" : SandboxOperations.Describe(e));
            return null;
        }
    }

    public async Task<bool> TimeAsync(TimeSpan timeout, Func<CancellationToken, Task> operation) =>
        await TimeAsync(timeout, async ct => { await operation(ct); return string.Empty; }) is not null;

    public MeasurementResult Summarize(TimeSpan? wall = null, int notStarted = 0, bool withThroughput = false)
    {
        var sorted = _samplesMs.OrderBy(v => v).ToArray();
        return new MeasurementResult
        {
            Measurement = measurement,
            Concurrency = concurrency,
            Count = sorted.Length,
            Errors = _errors,
            NotStarted = notStarted,
            P50Ms = Percentile(sorted, 50),
            P95Ms = Percentile(sorted, 95),
            MaxMs = sorted.Length > 0 ? Round(sorted[^1]) : null,
            MeanMs = sorted.Length > 0 ? Round(sorted.Average()) : null,
            WallSeconds = wall is { } w ? Math.Round(w.TotalSeconds, 3) : null,
            RequestsPerSecond = withThroughput && wall is { TotalSeconds: > 0 } t ? Math.Round(sorted.Length / t.TotalSeconds, 2) : null,
            ErrorKinds = new Dictionary<string, int>(_errorKinds),
            SamplesMs = sorted.Select(Round).ToArray(),
        };
    }

    /// <summary>Nearest-rank percentile: always a latency that was actually observed.</summary>
    private static double? Percentile(double[] sorted, int percent)
    {
        if (sorted.Length == 0) return null;
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Length);
        return Round(sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)]);
    }

    private static double Round(double ms) => Math.Round(ms, 1);
}
