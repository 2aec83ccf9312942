using System.Diagnostics.Metrics;

namespace Sandbox.Actors.Telemetry;

/// <summary>
/// Listens to the <c>Sandbox</c> meter's create, exec and restore histograms (the very measurements
/// /metrics exports) and keeps each one's last minute in a <see cref="LatencyWindow"/>, so the node's
/// history can chart percentiles and creates per minute without a Prometheus server.
/// </summary>
public sealed class OperationLatencies : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Func<DateTimeOffset> _clock;
    private readonly Dictionary<string, LatencyWindow> _byInstrument;

    public LatencyWindow Create { get; }
    public LatencyWindow Exec { get; }
    public LatencyWindow Restore { get; }

    public OperationLatencies(TimeSpan window, Func<DateTimeOffset>? clock = null)
    {
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
        Create = new LatencyWindow(window);
        Exec = new LatencyWindow(window);
        Restore = new LatencyWindow(window);
        _byInstrument = new Dictionary<string, LatencyWindow>(StringComparer.Ordinal)
        {
            [SandboxMetrics.InstrumentOf(SandboxMetrics.Operation.Create)] = Create,
            [SandboxMetrics.InstrumentOf(SandboxMetrics.Operation.Exec)] = Exec,
            [SandboxMetrics.InstrumentOf(SandboxMetrics.Operation.Restore)] = Restore,
        };
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SandboxMetrics.MeterName && _byInstrument.ContainsKey(instrument.Name))
                listener.EnableMeasurementEvents(instrument, _byInstrument[instrument.Name]);
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, state) => ((LatencyWindow)state!).Add(_clock(), seconds));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();
}
