namespace Sandbox.Actors.Runsc;

/// <summary>
/// What one sandbox may use. Zero turns a limit off. The defaults suit a small host (2 cores,
/// a few GiB per sandbox at most) and are meant to be lowered, not raised, for strangers' code.
/// </summary>
public sealed record ResourceLimits
{
    /// <summary>Address space of each process in the sandbox (RLIMIT_AS, enforced by gVisor in every
    /// mode). With cgroups it also sets the whole sandbox's host memory cap, see <see cref="HostMemoryBytes"/>.</summary>
    public int MemoryMb { get; init; } = 1024;
    /// <summary>CPU cores (fractional allowed) the whole sandbox may use; a host cgroup quota, so only
    /// enforced when cgroups are not ignored.</summary>
    public double CpuCores { get; init; } = 1.0;
    /// <summary>Processes plus threads an execution may have running in the sandbox (RLIMIT_NPROC,
    /// counted over everything the sandbox runs, enforced by gVisor in every mode).</summary>
    public int Pids { get; init; } = 256;
    /// <summary>Size of the writable layer: everything the sandbox writes to its filesystem lives
    /// on a tmpfs of this size on the host.</summary>
    public int DiskMb { get; init; } = 1024;

    /// <summary>Room for the sandbox kernel itself (sentry, gofer, page tables, the resident runner).</summary>
    public const int SandboxOverheadMb = 256;
    /// <summary>The CFS period the CPU quota is expressed in.</summary>
    public const long CpuPeriodMicros = 100_000;

    /// <summary>
    /// The host memory cgroup cap of the whole sandbox: its processes' memory, plus its writable
    /// layer (tmpfs pages cannot be reclaimed, and they are charged to the sandbox that wrote them),
    /// plus the sandbox kernel. Null without a memory limit.
    /// </summary>
    public long? HostMemoryBytes => MemoryMb > 0 ? ((long)MemoryMb + Math.Max(DiskMb, 0) + SandboxOverheadMb) * 1024 * 1024 : null;

    /// <summary>The CFS quota for <see cref="CpuCores"/>; null without a CPU limit.</summary>
    public long? CpuQuotaMicros => CpuCores > 0 ? Math.Max(1000, (long)Math.Round(CpuCores * CpuPeriodMicros)) : null;
}
