using System.Diagnostics;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Support;
using Xunit.Abstractions;

namespace Sandbox.Tests;

/// <summary>The soak runs alone: it measures this process's descriptors, threads and memory.</summary>
[CollectionDefinition(nameof(SoakCollection), DisableParallelization = true)]
public sealed class SoakCollection : ICollectionFixture<ServerFixture>;

/// <summary>
/// Issue 8 (soak): create → exec → kill cycles at 10 concurrent sessions (SANDBOX_SOAK_CYCLES,
/// 60 by default in CI; scripts/soak.sh runs 500). Afterwards nothing is left: no container,
/// mount, bundle, runsc process, file descriptor or thread, and memory is back near its start.
/// </summary>
[Collection(nameof(SoakCollection))]
public class SoakSpec(ServerFixture server, ITestOutputHelper output)
{
    private const string S = "status:";
    private static int Cycles => int.TryParse(Environment.GetEnvironmentVariable("SANDBOX_SOAK_CYCLES"), out var n) && n > 0 ? n : 60;
    private static int Concurrency => int.TryParse(Environment.GetEnvironmentVariable("SANDBOX_SOAK_CONCURRENCY"), out var n) && n > 0 ? n : 10;

    private async Task CycleAsync(int n)
    {
        await using var c = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"));
        await c.SendAsync(new { idle_timeout = 120 });
        var created = await c.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.Contains("ERROR"), TimeSpan.FromSeconds(90));
        if (created[^1] != S + SandboxStatus.Running) throw new InvalidOperationException($"cycle {n}: create: {string.Join(" | ", created)}");
        await c.SendAsync(new { language = "bash", code = $"echo cycle-{n}" });
        var run = await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone || e.Contains("ERROR"), TimeSpan.FromSeconds(60));
        var stdout = string.Concat(run.Where(e => e.StartsWith("stdout:")).Select(e => e["stdout:".Length..]));
        if (stdout != $"cycle-{n}\n") throw new InvalidOperationException($"cycle {n}: exec: {string.Join(" | ", run)}");
        await c.SendAsync(new { action = "kill_sandbox" });
        var killed = await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(60));
        if (killed.LastOrDefault() != S + SandboxStatus.Killed || c.CloseStatus != 1000)
            throw new InvalidOperationException($"cycle {n}: kill: {string.Join(" | ", killed)} close {c.CloseStatus}");
    }

    private async Task<List<string>> RunCyclesAsync(int from, int count)
    {
        var next = from - 1;
        var failures = new List<string>();
        var deadline = DateTime.UtcNow.AddMinutes(Math.Max(5, count / 5.0));   // a generous bound: ~2.5 cycles/s is typical
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < from + count && DateTime.UtcNow < deadline)
            {
                try { await CycleAsync(n); }
                catch (Exception e) { lock (failures) failures.Add(e.Message); }
            }
        })));
        if (Volatile.Read(ref next) < from + count) failures.Add($"ran out of time after {next - from} of {count} cycles");
        return failures;
    }

    private sealed record Usage(int Fds, int Threads, long ManagedBytes, long RssBytes, int RunscProcesses)
    {
        public override string ToString() =>
            $"fds {Fds}, threads {Threads}, managed {ManagedBytes / 1048576.0:0.0} MiB, RSS {RssBytes / 1048576.0:0.0} MiB, runsc processes {RunscProcesses}";
    }

    private Usage Measure()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return new Usage(Directory.GetFiles("/proc/self/fd").Length, self.Threads.Count, GC.GetTotalMemory(forceFullCollection: true), self.WorkingSet64, RunscProcessesOfThisServer());
    }

    /// <summary>runsc processes whose command line names this server's directories.</summary>
    private int RunscProcessesOfThisServer()
    {
        var count = 0;
        foreach (var dir in Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmd.Contains("runsc") && cmd.Contains(server.Dir)) count++;
            }
            catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return count;
    }

    /// <summary>Polls (bounded) until <paramref name="settled"/> holds, then measures once more.</summary>
    private async Task<Usage> MeasureWhenSettled(Func<Usage, bool> settled, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        var u = Measure();
        while (!settled(u) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
            u = Measure();
        }
        return u;
    }

    [Fact]
    public async Task Create_exec_kill_cycles_at_ten_concurrent_sessions_leave_no_trace()
    {
        // warm up first (JIT, thread pool, connection pools, Akka's first shard and journal work)
        Assert.Empty(await RunCyclesAsync(-Concurrency, Concurrency));
        var before = await MeasureWhenSettled(u => u.RunscProcesses == 0 && server.Leftovers().Count == 0, TimeSpan.FromSeconds(20));
        output.WriteLine($"before: {before}");

        var sw = Stopwatch.StartNew();
        var failures = await RunCyclesAsync(0, Cycles);
        output.WriteLine($"{Cycles} cycles at concurrency {Concurrency} in {sw.Elapsed.TotalSeconds:0.0} s ({Cycles / sw.Elapsed.TotalSeconds:0.0} cycles/s), {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));

        // a kill answers the client before the container is torn down, and idle thread-pool threads
        // retire after about 20 s: give both that long, no more
        var after = await MeasureWhenSettled(u => u.RunscProcesses == 0 && server.Leftovers().Count == 0 &&
            u.Fds <= before.Fds + 16 && u.Threads <= before.Threads + 8, TimeSpan.FromSeconds(30));
        output.WriteLine($"after:  {after}");
        Assert.Empty(server.Leftovers());
        Assert.Equal(0, after.RunscProcesses);
        Assert.True(after.Fds <= before.Fds + 16, $"file descriptors went from {before.Fds} to {after.Fds}");
        Assert.True(after.Threads <= before.Threads + 8, $"threads went from {before.Threads} to {after.Threads}");
        // memory: a leak of per-sandbox state grows with the cycles; a warmed-up heap does not
        Assert.True(after.ManagedBytes <= before.ManagedBytes + Math.Max(24L << 20, before.ManagedBytes / 4),
            $"managed heap went from {before.ManagedBytes >> 20} to {after.ManagedBytes >> 20} MiB");
        Assert.True(after.RssBytes <= before.RssBytes + Math.Max(128L << 20, before.RssBytes / 3),
            $"RSS went from {before.RssBytes >> 20} to {after.RssBytes >> 20} MiB");
    }
}
