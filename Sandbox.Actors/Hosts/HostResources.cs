namespace Sandbox.Actors.Hosts;

/// <summary>
/// What a machine offers its sandboxes, read once at start by <see cref="HostResourceProbe"/>:
/// memory (MemTotal, MemAvailable of /proc/meminfo), the free and total space of the file system
/// holding the data directory, the kernel's task limit (the smaller of pid_max and threads-max)
/// with the tasks already running, and the cores.
/// </summary>
public sealed record HostResources(
    long MemoryTotalBytes,
    long MemoryAvailableBytes,
    long DiskFreeBytes,
    long DiskTotalBytes,
    int TaskLimit,
    int TasksInUse,
    int Cores);
