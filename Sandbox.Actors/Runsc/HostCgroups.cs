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

    /// <summary>cgroup v1 <c>cpu.shares</c> of a warm-pool container waiting to be taken: an eighth of
    /// a running sandbox's, so that starting it mostly yields to running sandboxes while a node that
    /// is busy for minutes still refills (at the kernel's minimum of 2 a refill starved behind a
    /// busy test run for more than 30 s); an idle node gives it all the CPU it wants. runsc turns OCI
    /// shares into <c>cpu.weight</c> on cgroup v2.</summary>
    public const long IdleCpuShares = 128;

    /// <summary>The kernel's default share, which every other sandbox has.</summary>
    public const long NormalCpuShares = 1024;

    /// <summary>
    /// Sets the CPU share of the host cgroup runsc made for <paramref name="containerKey"/> (named
    /// after the container: <c>/sys/fs/cgroup/cpu/&lt;key&gt;</c> on v1, <c>/sys/fs/cgroup/&lt;key&gt;</c>
    /// on v2, whose weight is converted the way runsc converts shares).
    /// </summary>
    /// <exception cref="IOException">the container has no such cgroup (it is gone, or cgroups are ignored)</exception>
    public static void SetCpuShares(string containerKey, long shares)
    {
        var v1 = Path.Combine("/sys/fs/cgroup/cpu", containerKey, "cpu.shares");
        if (File.Exists(v1))
        {
            File.WriteAllText(v1, shares.ToString());
            return;
        }
        var v2 = Path.Combine("/sys/fs/cgroup", containerKey, "cpu.weight");
        if (!File.Exists(v2)) throw new IOException($"no CPU cgroup for container {containerKey}");
        File.WriteAllText(v2, (1 + (shares - 2) * 9999 / 262142).ToString());
    }

    /// <summary>What is not enforced when a node runs without cgroups (logged at start).</summary>
    public const string WhatIsLost =
        "sandbox limits are not enforced on the host: SANDBOX_MEMORY_LIMIT_MB holds per process only (a sandbox of several processes can take more), " +
        "SANDBOX_CPU_LIMIT is not applied; SANDBOX_PIDS_LIMIT and SANDBOX_DISK_LIMIT_MB still hold";
}
