namespace Sandbox.Actors.Telemetry;

/// <summary>How many operations finished in a window and their median and 95th percentile, in seconds
/// (null when none finished).</summary>
public sealed record Percentiles(int Count, double? P50, double? P95)
{
    public static readonly Percentiles None = new(0, null, null);

    /// <summary>Nearest-rank percentiles of <paramref name="seconds"/> (any order).</summary>
    public static Percentiles Of(IReadOnlyCollection<double> seconds)
    {
        if (seconds.Count == 0) return None;
        var sorted = seconds.Order().ToArray();
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(sorted.Length, Rank(0.50), Rank(0.95));
    }
}
