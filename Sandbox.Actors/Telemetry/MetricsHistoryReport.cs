using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Telemetry;

/// <summary>A host's samples, oldest first, and the interval it samples at.</summary>
public sealed record MetricsHistoryReport(string Node, double IntervalSeconds, IReadOnlyList<MetricsSample> Samples) : ISandboxWireMessage;
