using Sandbox.Actors.Hosts;
using Sandbox.Actors.Runsc;

namespace Sandbox.Tests.Hosts;

/// <summary>Issue 17: a host's capacity comes by default from its memory, disk and task limit, with
/// room for a few sandboxes to fill their limits; SANDBOX_HOST_MAX_SANDBOXES still overrides.</summary>
public class HostSizingSpec
{
    private const long GiB = 1L << 30;

    /// <summary>The machine of issue 17: 24 GiB, 2 cores, 77 GiB free of a 252 GiB disk, pid_max 32768.</summary>
    private static readonly HostResources ThisMachine = new(
        MemoryTotalBytes: 24 * GiB, MemoryAvailableBytes: 23 * GiB, DiskFreeBytes: 77 * GiB, DiskTotalBytes: 252 * GiB,
        TaskLimit: 32768, TasksInUse: 400, Cores: 2);

    private static readonly ResourceLimits Defaults = new();

    [Fact]
    public void A_24_GiB_two_core_host_with_the_default_limits_holds_its_free_memory_in_idle_sandboxes_less_room_for_two_at_their_limits()
    {
        var plan = HostSizing.Plan(ThisMachine, Defaults, configured: null);
        // (23 GiB available − 1.2 GiB reserve (5 %) − 2 × (1024 MiB memory + 1024 MiB layer)) / 48 MiB
        Assert.Equal(379, plan.Sandboxes);
        Assert.Equal(CapacityBound.Memory, plan.BoundBy);
        Assert.Contains("48 MiB per idle sandbox = 379", plan.Explanation);
    }

    [Fact]
    public void An_explicit_number_wins_and_the_plan_still_says_what_the_machine_would_take()
    {
        var plan = HostSizing.Plan(ThisMachine, Defaults, configured: 64);
        Assert.Equal(64, plan.Sandboxes);
        Assert.Equal(CapacityBound.Configured, plan.BoundBy);
        Assert.Contains("SANDBOX_HOST_MAX_SANDBOXES=64", plan.Explanation);
        Assert.Contains("it would be 379, bound by memory", plan.Explanation);
    }

    [Fact]
    public void Larger_per_sandbox_limits_leave_more_headroom_and_so_fewer_sandboxes()
    {
        var plan = HostSizing.Plan(ThisMachine, Defaults with { MemoryMb = 8192 }, configured: null);
        // (23552 − 1228.8 − 2 × 9216) MiB / 48 MiB
        Assert.Equal(81, plan.Sandboxes);
        Assert.Equal(CapacityBound.Memory, plan.BoundBy);
    }

    [Fact]
    public void Every_core_is_one_more_sandbox_that_may_fill_its_limits_at_once()
    {
        var twoCores = HostSizing.Plan(ThisMachine, Defaults, null).Sandboxes;
        var eightCores = HostSizing.Plan(ThisMachine with { Cores = 8 }, Defaults, null).Sandboxes;
        Assert.Equal(6 * 2048 / 48, twoCores - eightCores, tolerance: 1);
        Assert.Equal(8, HostSizing.BurstSandboxes(ThisMachine with { Cores = 8 }));
        Assert.Equal(2, HostSizing.BurstSandboxes(ThisMachine with { Cores = 1 }));
    }

    [Fact]
    public void A_small_data_disk_bounds_the_host_by_disk()
    {
        var plan = HostSizing.Plan(ThisMachine with { DiskFreeBytes = 10 * GiB, DiskTotalBytes = 20 * GiB }, Defaults, null);
        // (10240 − 1024 reserve − 2 × 1024 layers) MiB / 40 MiB
        Assert.Equal(179, plan.Sandboxes);
        Assert.Equal(CapacityBound.Disk, plan.BoundBy);
    }

    [Fact]
    public void A_low_task_limit_bounds_the_host_by_pids()
    {
        var plan = HostSizing.Plan(ThisMachine with { TaskLimit = 4096, TasksInUse = 300 }, Defaults, null);
        // (4096 − 300 − 1024 reserve − 2 × 256) / 56 tasks per idle sandbox
        Assert.Equal(40, plan.Sandboxes);
        Assert.Equal(CapacityBound.Pids, plan.BoundBy);
    }

    [Fact]
    public void A_sandbox_without_a_memory_limit_is_planned_at_a_quarter_of_the_host()
    {
        var plan = HostSizing.Plan(ThisMachine, Defaults with { MemoryMb = 0 }, null);
        // (23552 − 1228.8 − 2 × (6144 + 1024)) MiB / 48 MiB
        Assert.Equal(166, plan.Sandboxes);
    }

    [Fact]
    public void A_host_too_small_for_the_rule_still_takes_one_sandbox_and_says_why()
    {
        var tiny = new HostResources(2 * GiB, 1 * GiB, 50 * GiB, 100 * GiB, 32768, 200, 2);
        var plan = HostSizing.Plan(tiny, Defaults, null);
        Assert.Equal(1, plan.Sandboxes);
        Assert.Equal(CapacityBound.Memory, plan.BoundBy);
        Assert.Contains("= 0", plan.Explanation);
    }

    [Fact]
    public void The_task_count_is_the_total_of_the_running_slash_total_field_of_proc_loadavg()
    {
        Assert.Equal(382, HostResourceProbe.TasksInUse("0.52 0.58 0.59 2/382 27334\n"));
        Assert.Equal(0, HostResourceProbe.TasksInUse("garbage"));
        Assert.Equal(0, HostResourceProbe.TasksInUse(""));
    }

    [Fact]
    public void The_probe_reads_this_machines_memory_disk_and_task_limit()
    {
        var dir = Path.Combine(Path.GetTempPath(), "host-sizing-" + Guid.NewGuid().ToString("N"));
        try
        {
            var host = HostResourceProbe.Read(dir);
            Assert.InRange(host.MemoryAvailableBytes, 1, host.MemoryTotalBytes);
            Assert.InRange(host.DiskFreeBytes, 1, host.DiskTotalBytes);
            Assert.InRange(host.TasksInUse, 1, host.TaskLimit);
            Assert.Equal(Environment.ProcessorCount, host.Cores);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir); }
    }
}
