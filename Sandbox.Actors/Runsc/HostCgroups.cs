namespace Sandbox.Actors.Runsc;

/// <summary>
/// Whether this host lets runsc put each sandbox into cgroups of its own (memory, CPU, pids), which
/// is what makes a sandbox's limits hold on the host. cgroup v1 needs its memory hierarchy mounted;
/// cgroup v2 needs the memory controller in the unified hierarchy's root.
/// </summary>
public static class HostCgroups
{
    private static readonly Lazy<bool> Detected = new(Detect);

    public static bool Usable => Detected.Value;

    private static bool Detect()
    {
        try
        {
            if (Directory.Exists("/sys/fs/cgroup/memory") && File.Exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) return true;
            const string controllers = "/sys/fs/cgroup/cgroup.controllers";
            return File.Exists(controllers) && File.ReadAllText(controllers).Split(' ', '\n').Contains("memory");
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>What is not enforced when a node runs without cgroups (logged at start).</summary>
    public const string WhatIsLost =
        "sandbox limits are not enforced on the host: SANDBOX_MEMORY_LIMIT_MB holds per process only (a sandbox of several processes can take more), " +
        "SANDBOX_CPU_LIMIT is not applied; SANDBOX_PIDS_LIMIT and SANDBOX_DISK_LIMIT_MB still hold";
}
