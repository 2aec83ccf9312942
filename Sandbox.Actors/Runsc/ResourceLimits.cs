using System.Globalization;

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

    public static ResourceLimits FromEnvironment(Func<string, string?> env)
    {
        var d = new ResourceLimits();
        // A mistyped limit must not quietly become "the default" or "none": refuse to start instead.
        int Int(string name, int fallback)
        {
            var raw = env(name);
            if (string.IsNullOrWhiteSpace(raw)) return fallback;
            return int.TryParse(raw.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new InvalidOperationException($"{name} must be a whole number >= 0 (0 turns the limit off), not '{raw}'");
        }
        double Cores(string name, double fallback)
        {
            var raw = env(name);
            if (string.IsNullOrWhiteSpace(raw)) return fallback;
            return double.TryParse(raw.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                ? v
                : throw new InvalidOperationException($"{name} must be a number of CPU cores >= 0, e.g. 0.5 (0 turns the limit off), not '{raw}'");
        }
        return new ResourceLimits
        {
            MemoryMb = Int("SANDBOX_MEMORY_LIMIT_MB", d.MemoryMb),
            CpuCores = Cores("SANDBOX_CPU_LIMIT", d.CpuCores),
            Pids = Int("SANDBOX_PIDS_LIMIT", d.Pids),
            DiskMb = Int("SANDBOX_DISK_LIMIT_MB", d.DiskMb),
        };
    }
}
