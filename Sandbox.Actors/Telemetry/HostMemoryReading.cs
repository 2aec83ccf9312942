namespace Sandbox.Actors.Telemetry;

/// <summary>
/// One look at a host's memory: what its sandboxes use — the proportional set size of their gVisor
/// processes (memory they share counted once) plus their writable layers, which are tmpfs and so host
/// memory too (<paramref name="LayersBytes"/>, part of <paramref name="SandboxesBytes"/>) — and the
/// machine's MemAvailable and MemTotal.
/// </summary>
public sealed record HostMemoryReading(long SandboxesBytes, long LayersBytes, int SandboxProcesses, long AvailableBytes, long TotalBytes);
