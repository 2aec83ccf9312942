using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Telemetry;

/// <summary>Asks a host's <see cref="MetricsHistoryActor"/> for its samples taken after <paramref name="Since"/> (all without it).</summary>
public sealed record GetMetricsHistory(DateTimeOffset? Since) : ISandboxWireMessage;
