namespace Sandbox.Actors.Telemetry;

/// <summary>
/// What a sandbox host looked like at <paramref name="At"/>, for the dashboard's charts: its sandboxes
/// by state, its creates in the last minute, the last minute's create, exec and restore percentiles,
/// and its memory. <paramref name="Paused"/> and <paramref name="Ended"/> are the whole cluster's (from
/// the catalog), counted by one host only; null on the others. <paramref name="SandboxesMemoryBytes"/>
/// includes the writable layers (<paramref name="SandboxLayersBytes"/>), see <see cref="HostMemoryReading"/>.
/// </summary>
public sealed record MetricsSample(
    DateTimeOffset At,
    int Starting,
    int Running,
    int? Paused,
    int? Ended,
    int CreatesLastMinute,
    Percentiles Create,
    Percentiles Exec,
    Percentiles Restore,
    long SandboxesMemoryBytes,
    long SandboxLayersBytes,
    int SandboxProcesses,
    long MemAvailableBytes,
    long MemTotalBytes);
