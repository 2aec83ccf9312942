using System.Globalization;
using Sandbox.Actors.Runsc;

namespace Sandbox.Actors.Hosts;

/// <summary>
/// How many sandboxes a host takes when SANDBOX_HOST_MAX_SANDBOXES is not set: as many idle
/// sandboxes as its memory, disk and task limit hold, while a few sandboxes (one per core, at least
/// two) can still fill their limits at once. The limits are caps, not reservations: an idle sandbox
/// costs about 48 MiB of host memory, while its memory and disk limits are a GiB each, so sizing by
/// the limits alone would leave a 24 GiB machine with ten sandboxes. Per resource:
/// <code>
/// sandboxes = (usable − burst × a full sandbox) / an idle sandbox
/// </code>
/// where usable is what the machine has left after a reserve for itself, and the smallest of the
/// three wins. Pure: the machine comes in as <see cref="HostResources"/>.
/// </summary>
public static class HostSizing
{
    /// <summary>Host memory of one idle sandbox (sentry, gofer, ptrace stubs, resident runner, and the kernel's
    /// page tables and buffers for them): measured with runsc 20240729 on ptrace as a fall of MemAvailable of
    /// 46–49 MiB per sandbox with 100 and 200 held (their processes' PSS alone: 42 MiB).</summary>
    public const int IdleSandboxMb = 48;
    /// <summary>Disk one idle sandbox may need under the data directory: its checkpoint when it is paused
    /// (about its memory) and its journal rows.</summary>
    public const int IdleSandboxDiskMb = 40;
    /// <summary>Host tasks (processes plus threads) of one idle sandbox: runsc, gofer, sentry threads and
    /// the ptrace stubs, measured at 42–43, plus a third for margin.</summary>
    public const int IdleSandboxTasks = 56;
    /// <summary>The largest capacity a host takes (that of SANDBOX_HOST_MAX_SANDBOXES; the task limit keeps sizing far below it).</summary>
    public const int Ceiling = 100_000;

    private const long Mib = 1024 * 1024;

    public static HostCapacityPlan Plan(HostResources host, ResourceLimits limits, int? configured)
    {
        var burst = BurstSandboxes(host);
        var bounds = new[] { ByMemory(host, limits, burst), ByDisk(host, limits, burst), ByTasks(host, limits, burst) };
        var tightest = bounds.MinBy(b => b.Sandboxes)!;
        // a host that fits none by this rule still takes one: refusing every create would hide the cause
        var sized = tightest with { Sandboxes = Math.Clamp(tightest.Sandboxes, 1, Ceiling) };
        if (configured is { } n)
            return new HostCapacityPlan(n, CapacityBound.Configured,
                $"SANDBOX_HOST_MAX_SANDBOXES={n} (sized from the machine it would be {sized.Sandboxes}, bound by {Describe(sized.BoundBy)})");
        return sized;
    }

    /// <summary>Sandboxes that may fill every limit at the same time: one per core, at least two.</summary>
    public static int BurstSandboxes(HostResources host) => Math.Max(2, host.Cores);

    /// <summary>The lower-case name of a bound, as in the log line and the admin API.</summary>
    public static string Describe(CapacityBound bound) => bound switch
    {
        CapacityBound.Configured => "configuration",
        CapacityBound.Memory => "memory",
        CapacityBound.Disk => "disk",
        _ => "pids",
    };

    private static HostCapacityPlan ByMemory(HostResources host, ResourceLimits limits, int burst)
    {
        var reserve = Math.Max(512 * Mib, host.MemoryTotalBytes / 20);
        var usable = Math.Min(host.MemoryAvailableBytes, host.MemoryTotalBytes) - reserve;
        // the writable layer is a tmpfs: what a sandbox writes is host memory too
        var memory = limits.MemoryMb > 0 ? limits.MemoryMb * Mib : host.MemoryTotalBytes / 4;
        var layer = limits.DiskMb > 0 ? limits.DiskMb * Mib : 0;
        var full = memory + layer;
        var n = Fit(usable, burst * full, IdleSandboxMb * Mib);
        return new(n, CapacityBound.Memory,
            $"memory: ({Size(host.MemoryAvailableBytes)} available − {Size(reserve)} reserve − {burst} × {Size(full)} for sandboxes at their limits) / {IdleSandboxMb} MiB per idle sandbox = {n}");
    }

    private static HostCapacityPlan ByDisk(HostResources host, ResourceLimits limits, int burst)
    {
        var reserve = Math.Max(1024 * Mib, host.DiskTotalBytes / 20);
        var usable = host.DiskFreeBytes - reserve;
        var full = limits.DiskMb > 0 ? limits.DiskMb * Mib : host.DiskFreeBytes / 4;
        var n = Fit(usable, burst * full, IdleSandboxDiskMb * Mib);
        return new(n, CapacityBound.Disk,
            $"disk: ({Size(host.DiskFreeBytes)} free − {Size(reserve)} reserve − {burst} × {Size(full)} for full writable layers) / {IdleSandboxDiskMb} MiB per idle sandbox = {n}");
    }

    private static HostCapacityPlan ByTasks(HostResources host, ResourceLimits limits, int burst)
    {
        var reserve = Math.Max(1024, host.TaskLimit / 10);
        long usable = (long)host.TaskLimit - host.TasksInUse - reserve;
        long full = limits.Pids > 0 ? limits.Pids : host.TaskLimit / 10;
        var n = Fit(usable, burst * full, IdleSandboxTasks);
        return new(n, CapacityBound.Pids,
            $"pids: ({host.TaskLimit} tasks − {host.TasksInUse} running − {reserve} reserve − {burst} × {full} for sandboxes at their limit) / {IdleSandboxTasks} per idle sandbox = {n}");
    }

    /// <summary>Idle sandboxes in what is left of <paramref name="usable"/> after the burst headroom (0 when nothing is).</summary>
    private static int Fit(long usable, long headroom, long perSandbox) =>
        (int)Math.Clamp((usable - headroom) / perSandbox, 0, int.MaxValue);

    private static string Size(long bytes) => bytes >= 1024 * Mib
        ? (bytes / (1024.0 * Mib)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB"
        : (bytes / Mib).ToString(CultureInfo.InvariantCulture) + " MiB";
}
