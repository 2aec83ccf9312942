namespace Sandbox.Actors.Telemetry;

/// <summary>One look at a host's memory: what its sandboxes use (the proportional set size of their
/// gVisor processes, so memory they share is counted once), and the machine's MemTotal and MemAvailable.</summary>
public sealed record HostMemoryReading(long SandboxesBytes, int SandboxProcesses, long AvailableBytes, long TotalBytes);
