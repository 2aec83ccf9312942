using System.Diagnostics;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>A node with small per-sandbox limits and host cgroups in use (RUNSC_IGNORE_CGROUPS=false).</summary>
public sealed class SmallResourceLimitsFixture : ServerFixture
{
    public static readonly ResourceLimits Small = new() { MemoryMb = 128, CpuCores = 0.5, Pids = 32, DiskMb = 64 };

    protected override SandboxHostSettings Customize(SandboxHostSettings s) => s with
    {
        Runsc = s.Runsc with { IgnoreCgroups = false, Limits = Small },
        Sandboxes = s.Sandboxes with { ExecutionTimeLimit = TimeSpan.FromSeconds(6) },
    };
}

/// <summary>The same small limits with cgroups ignored (the default mode).</summary>
public sealed class SmallLimitsWithoutCgroupsFixture : ServerFixture
{
    protected override SandboxHostSettings Customize(SandboxHostSettings s) => s with
    {
        Runsc = s.Runsc with { IgnoreCgroups = true, Limits = SmallResourceLimitsFixture.Small },
        Sandboxes = s.Sandboxes with { ExecutionTimeLimit = TimeSpan.FromSeconds(6) },
    };
}

/// <summary>
/// Issue 8, item 1: memory, CPU, processes and disk are limited per sandbox. Hitting a limit ends
/// the execution (or, for the sandbox-wide memory cap, the sandbox) with a message that names the
/// limit and its value; the sandbox stays usable wherever that makes sense.
/// </summary>
public class ResourceLimitsSpec(SmallResourceLimitsFixture server) : IClassFixture<SmallResourceLimitsFixture>
{
    private const string S = "status:";

    internal static string Stderr(IEnumerable<string> events) =>
        string.Concat(events.Where(e => e.StartsWith("stderr:")).Select(e => e[7..]));

    [Fact]
    public Task A_memory_hog_fails_with_the_memory_limit_named_and_the_next_execution_works() => MemoryHogFailsAndTheSandboxStays(server);

    internal static async Task MemoryHogFailsAndTheSandboxStays(ServerFixture server)
    {
        var (c, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        await using var _c = c;
        var events = await CheckpointSpec.Run(c, "python",
            "chunks = []\nwhile True:\n    chunks.append(b'x' * (8 << 20))\n    print(len(chunks) * 8, flush=True)");
        // an unlimited hog would run until the 6 s wall-clock limit force-kills it; a limited one ends
        // by itself (asserted on the outcome, not on a time that a loaded machine can stretch)
        Assert.DoesNotContain(S + SandboxStatus.ExecutionForceKilled, events);
        var stderr = Stderr(events);
        Assert.DoesNotContain("wall-clock limit", stderr);
        Assert.Contains("MemoryError", stderr);
        Assert.Contains("[sandbox] memory limit reached: each process may use at most 128 MB (SANDBOX_MEMORY_LIMIT_MB)", stderr);
        var reached = CheckpointSpec.Stdout(events).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Max();
        Assert.InRange(reached, 32, 128);
        Assert.Equal("ok\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(c, "bash", "echo ok")));
    }

    [Fact]
    public async Task Processes_that_together_exceed_the_sandbox_memory_cap_end_only_that_sandbox_with_a_clear_error()
    {
        var (bystander, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        await using var _b = bystander;
        var (c, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        await using var _c = c;
        // each process stays under its 128 MB address space; six of them pass the 448 MB cap
        await c.SendAsync(new
        {
            language = "bash",
            code = "for i in 1 2 3 4 5 6; do python3 -c \"import time; b = b'x' * (100 << 20); time.sleep(20)\" & done; wait",
        });
        var events = await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(40));
        var error = events.SkipWhile(e => e != S + SandboxStatus.Error).Skip(1).FirstOrDefault() ?? "";
        Assert.StartsWith("error:", error);
        Assert.Contains("exceeding its memory cap of 448 MB", error);
        Assert.Equal(4000, c.CloseStatus);
        Assert.Equal("fine\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(bystander, "bash", "echo fine")));
    }

    [Fact]
    public async Task A_fork_bomb_is_held_to_the_process_limit_and_the_sandbox_recovers_after_it_is_killed()
    {
        var (c, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        await using var _c = c;
        var sw = Stopwatch.StartNew();
        // every process forks until it is refused, says so once and holds its slot
        var events = await CheckpointSpec.Run(c, "python",
            "import os, sys, time\nwhile True:\n    try:\n        os.fork()\n    except OSError as e:\n" +
            "        print(e, file=sys.stderr, flush=True)\n        time.sleep(60)");
        var stderr = Stderr(events);
        Assert.InRange(sw.Elapsed.TotalSeconds, 5, 30);
        Assert.Contains("Resource temporarily unavailable", stderr);
        Assert.Contains("[sandbox] process limit reached: at most 32 processes and threads may run in the sandbox (SANDBOX_PIDS_LIMIT)", stderr);
        Assert.Contains("wall-clock limit of 6 s exceeded", stderr);
        Assert.Contains(S + SandboxStatus.ExecutionForceKilled, events);

        // the bomb is gone with its execution: commands that fork work again
        var after = CheckpointSpec.Stdout(await CheckpointSpec.Run(c, "bash", "ls /proc | grep -c '^[0-9]'; echo ok | cat"));
        var lines = after.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ok", lines[1]);
        Assert.InRange(int.Parse(lines[0]), 1, 10);
    }

    [Fact]
    public async Task Filling_the_disk_fails_with_ENOSPC_and_the_limit_named_and_the_sandbox_still_writes_after_cleanup()
    {
        var (c, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        await using var _c = c;
        var events = await CheckpointSpec.Run(c, "bash", "dd if=/dev/zero of=/tmp/big bs=1M count=200 status=none");
        var stderr = Stderr(events);
        Assert.Contains("No space left on device", stderr);
        Assert.Contains("[sandbox] disk limit reached: the sandbox's writable filesystem holds at most 64 MB (SANDBOX_DISK_LIMIT_MB)", stderr);

        var size = long.Parse(CheckpointSpec.Stdout(await CheckpointSpec.Run(c, "bash", "stat -c %s /tmp/big")).Trim());
        Assert.InRange(size, 32L << 20, 64L << 20);
        Assert.Equal("ok\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(c, "bash", "rm /tmp/big; echo ok > /tmp/after; cat /tmp/after")));
    }

    [Fact]
    public async Task The_limited_writable_layer_survives_checkpoint_and_restore_and_stays_limited()
    {
        var (c, id, token) = await CheckpointSpec.Create(server, new { idle_timeout = 120, enable_checkpoint = true });
        await CheckpointSpec.Run(c, "bash", "head -c 20000000 /dev/urandom > /data.bin; sha256sum /data.bin > /data.sum; rm /etc/issue");
        var checkpointed = await CheckpointSpec.Checkpoint(c);
        Assert.Equal(S + SandboxStatus.Checkpointed, checkpointed.Last());
        await c.DisposeAsync();

        await using var again = await CheckpointSpec.Attach(server, id, token);
        await again.SendAsync(new { action = "reconnect" });
        Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running], await again.ReadUntilAsync(e => e == S + SandboxStatus.Running));
        await again.ReadUntilAsync(e => e.StartsWith(S));
        var check = CheckpointSpec.Stdout(await CheckpointSpec.Run(again, "bash",
            "sha256sum -c /data.sum; test -e /etc/issue && echo issue-back || echo issue-gone"));
        Assert.Equal("/data.bin: OK\nissue-gone\n", check);
        // the restored layer is held to the same 64 MB: 20 MB are used, 60 more do not fit
        var full = await CheckpointSpec.Run(again, "bash", "dd if=/dev/zero of=/more bs=1M count=60 status=none");
        Assert.Contains("No space left on device", Stderr(full));

        await again.SendAsync(new { action = "kill_sandbox" });
        await again.ReadUntilClosedAsync();
    }

    [Fact]
    public async Task A_busy_sandbox_gets_about_its_half_core()
    {
        var (c, id, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        await using var _c = c;
        var usage = $"/sys/fs/cgroup/cpuacct/{id}/cpuacct.usage";
        Assert.True(File.Exists(usage), $"runsc made no cpu cgroup for the sandbox at {usage}");
        var before = long.Parse(await File.ReadAllTextAsync(usage));
        var sw = Stopwatch.StartNew();
        // two busy processes could take both cores of this machine without the limit
        var events = await CheckpointSpec.Run(c, "bash",
            "for i in 1 2; do timeout 3 bash -c 'while :; do :; done' & done; wait; echo done");
        var wall = sw.Elapsed.TotalSeconds;
        var cores = (long.Parse(await File.ReadAllTextAsync(usage)) - before) / 1e9 / wall;
        Assert.Equal("done\n", CheckpointSpec.Stdout(events));
        // above zero: the right cgroup was read; at most 0.7: the quota held (the machine may be busy, so no tighter floor)
        Assert.InRange(cores, 0.02, 0.7);
    }

    [Fact]
    public async Task Killing_the_sandbox_removes_its_host_cgroups()
    {
        var (c, id, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        Assert.True(Directory.Exists($"/sys/fs/cgroup/memory/{id}"));
        Assert.Equal(448L << 20, long.Parse(await File.ReadAllTextAsync($"/sys/fs/cgroup/memory/{id}/memory.limit_in_bytes")));
        await c.SendAsync(new { action = "kill_sandbox" });
        await c.ReadUntilClosedAsync();
        await c.DisposeAsync();
        await ExecuteEndpointSpec.Eventually(() => Assert.False(Directory.Exists($"/sys/fs/cgroup/memory/{id}")), TimeSpan.FromSeconds(10));
    }
}

/// <summary>With cgroups ignored runsc makes no host cgroups; the limits gVisor enforces itself still hold.</summary>
public class ResourceLimitsWithoutCgroupsSpec(SmallLimitsWithoutCgroupsFixture server) : IClassFixture<SmallLimitsWithoutCgroupsFixture>
{
    [Fact]
    public Task A_memory_hog_still_fails_with_the_memory_limit_named() => ResourceLimitsSpec.MemoryHogFailsAndTheSandboxStays(server);

    [Fact]
    public async Task The_process_and_disk_limits_still_hold_but_no_host_cgroup_is_made()
    {
        var (c, id, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        await using var _c = c;
        Assert.False(Directory.Exists($"/sys/fs/cgroup/memory/{id}"));
        Assert.False(Directory.Exists($"/sys/fs/cgroup/cpu/{id}"));
        var threads = ResourceLimitsSpec.Stderr(await CheckpointSpec.Run(c, "python",
            "import threading, time\nfor i in range(100):\n    threading.Thread(target=time.sleep, args=(5,), daemon=True).start()"));
        Assert.Contains("can't start new thread", threads);
        Assert.Contains("[sandbox] process limit reached: at most 32 processes and threads", threads);
        var disk = ResourceLimitsSpec.Stderr(await CheckpointSpec.Run(c, "bash", "dd if=/dev/zero of=/tmp/big bs=1M count=100 status=none"));
        Assert.Contains("[sandbox] disk limit reached: the sandbox's writable filesystem holds at most 64 MB", disk);
    }
}
