using System.Diagnostics;

namespace Sandbox.Benchmark.Scenarios;

/// <summary>
/// Issue 17's CPU figures, from /proc accounting of the server and every process it started
/// (<see cref="ProcessTreeCpu"/>): what the node burns idle, and what one create + kill (with the
/// warm-pool refill it causes) and one trivial exec cost, each after subtracting the idle burn over
/// the same wall time. Operations run one at a time, so the figures are costs, not contention.
/// </summary>
public sealed record CpuResult
{
    public string Status { get; init; } = "ok";
    public string? Message { get; init; }
    public int? ServerPid { get; init; }
    public double IdleSeconds { get; init; }
    /// <summary>Untimed lifecycles, and execs, before the measured ones.</summary>
    public int Warmup { get; init; }
    /// <summary>Server process alone, and with everything it started, in CPU ms per wall second while idle.</summary>
    public double? IdleServerMsPerSecond { get; init; }
    public double? IdleTreeMsPerSecond { get; init; }
    public int Lifecycles { get; init; }
    public int LifecycleErrors { get; init; }
    /// <summary>CPU ms per create + kill, the refill it causes included, idle burn subtracted: total, server process, its descendants.</summary>
    public double? LifecycleMs { get; init; }
    public double? LifecycleServerMs { get; init; }
    public double? LifecycleDescendantsMs { get; init; }
    public int Execs { get; init; }
    public int ExecErrors { get; init; }
    public double? ExecMs { get; init; }
    public double? ExecServerMs { get; init; }
    public double? ExecDescendantsMs { get; init; }
    public Dictionary<string, int> ErrorKinds { get; init; } = [];

    public static CpuResult Unavailable(string message) => new() { Status = "unavailable", Message = message };
}

public static class CpuScenario
{
    /// <summary>How long the node may take to go quiet after a phase (pool refill, runner's spare fork).</summary>
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(20);

    public static async Task<CpuResult> RunAsync(BenchmarkContext context)
    {
        if (context.Server is not { } server) return CpuResult.Unavailable("server process unknown: " + context.ServerProblem);
        var o = context.Options;
        var pid = server.Pid;

        // untimed lifecycles first: a server's first sandboxes pay for its JIT, which is no per-sandbox cost
        for (var i = 0; i < o.CpuWarmup; i++) await LifecycleAsync(context, new LatencyRecorder("cpu_lifecycle", 0));
        await SettleAsync(pid, null);

        var idleWall = Stopwatch.StartNew();
        var idleStart = ProcessTreeCpu.Read(pid);
        await Task.Delay(o.IdleInterval);
        var idle = ProcessTreeCpu.Read(pid) - idleStart;
        var seconds = idleWall.Elapsed.TotalSeconds;
        var idleRate = new TreeCpu(idle.ServerMs / seconds, idle.DescendantsMs / seconds);
        context.Log($"cpu: idle {idleRate.ServerMs:0.0} ms/s server, {idleRate.TotalMs:0.0} ms/s with its processes, over {seconds:0.0} s");

        var lifecycles = new LatencyRecorder("cpu_lifecycle", 1);
        var lifecycleCost = await MeasureAsync(pid, idleRate, o.CpuLifecycles, async () =>
        {
            for (var i = 0; i < o.CpuLifecycles; i++) await LifecycleAsync(context, lifecycles);
        });
        context.Log($"cpu: {lifecycleCost.TotalMs:0} ms per create + kill ({lifecycleCost.ServerMs:0} server, {lifecycleCost.DescendantsMs:0} its processes)");

        var execs = new LatencyRecorder("cpu_exec", 1);
        TreeCpu? execCost = null;
        var setup = new LatencyRecorder("cpu_exec_setup", 1);
        var sandbox = await setup.TimeAsync(o.OperationTimeout, ct => SandboxOperations.CreateAsync(context.WebSocketBase, new { idle_timeout = 120 }, ct));
        if (sandbox is not null)
        {
            try
            {
                async Task RunExecsAsync(int count, LatencyRecorder recorder)
                {
                    for (var i = 0; i < count; i++)
                        if (!await recorder.TimeAsync(o.OperationTimeout, ct => SandboxOperations.ExecuteAsync(sandbox, SandboxOperations.PythonProbe, SandboxOperations.PythonProbeOutput, ct)))
                            break;
                }
                await RunExecsAsync(o.CpuWarmup, new LatencyRecorder("cpu_exec", 0));
                // the create, its refill and the warm-up are not the exec's cost
                await SettleAsync(pid, idleRate);
                execCost = await MeasureAsync(pid, idleRate, o.CpuExecs, () => RunExecsAsync(o.CpuExecs, execs));
                context.Log($"cpu: {execCost.TotalMs:0.0} ms per exec ({execCost.ServerMs:0.0} server, {execCost.DescendantsMs:0.0} its processes)");
            }
            finally
            {
                await context.CleanupAsync(sandbox);
                await sandbox.Connection.DisposeAsync();
            }
        }

        var l = lifecycles.Summarize();
        var e = execs.Summarize();
        var s = setup.Summarize();
        return new CpuResult
        {
            ServerPid = pid,
            IdleSeconds = Math.Round(seconds, 1),
            Warmup = o.CpuWarmup,
            IdleServerMsPerSecond = Math.Round(idleRate.ServerMs, 1),
            IdleTreeMsPerSecond = Math.Round(idleRate.TotalMs, 1),
            Lifecycles = o.CpuLifecycles,
            LifecycleErrors = l.Errors,
            LifecycleMs = Math.Round(lifecycleCost.TotalMs, 1),
            LifecycleServerMs = Math.Round(lifecycleCost.ServerMs, 1),
            LifecycleDescendantsMs = Math.Round(lifecycleCost.DescendantsMs, 1),
            Execs = o.CpuExecs,
            ExecErrors = e.Errors + s.Errors,
            ExecMs = execCost is null ? null : Math.Round(execCost.TotalMs, 1),
            ExecServerMs = execCost is null ? null : Math.Round(execCost.ServerMs, 1),
            ExecDescendantsMs = execCost is null ? null : Math.Round(execCost.DescendantsMs, 1),
            ErrorKinds = l.ErrorKinds.Concat(e.ErrorKinds).Concat(s.ErrorKinds).GroupBy(k => k.Key).ToDictionary(g => g.Key, g => g.Sum(k => k.Value)),
        };
    }

    /// <summary>CPU per operation of <paramref name="run"/> (<paramref name="operations"/> of them) until the node is quiet again, minus the idle burn.</summary>
    private static async Task<TreeCpu> MeasureAsync(int pid, TreeCpu idleRate, int operations, Func<Task> run)
    {
        var wall = Stopwatch.StartNew();
        var start = ProcessTreeCpu.Read(pid);
        await run();
        await SettleAsync(pid, idleRate);
        var used = ProcessTreeCpu.Read(pid) - start;
        var s = wall.Elapsed.TotalSeconds;
        var n = Math.Max(1, operations);
        return new TreeCpu((used.ServerMs - idleRate.ServerMs * s) / n, (used.DescendantsMs - idleRate.DescendantsMs * s) / n);
    }

    /// <summary>Waits (bounded) until a second passes with the tree near its idle burn: the refill and spare forks are done.</summary>
    private static async Task SettleAsync(int pid, TreeCpu? idleRate)
    {
        var quiet = (idleRate?.TotalMs ?? 60) * 1.5 + 15;
        var deadline = Stopwatch.StartNew();
        var last = ProcessTreeCpu.Read(pid);
        while (deadline.Elapsed < SettleLimit)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = ProcessTreeCpu.Read(pid);
            if ((now - last).TotalMs <= quiet) return;
            last = now;
        }
    }

    private static async Task LifecycleAsync(BenchmarkContext context, LatencyRecorder recorder)
    {
        var sandbox = await recorder.TimeAsync(context.Options.OperationTimeout, ct => SandboxOperations.CreateAsync(context.WebSocketBase, new { idle_timeout = 60 }, ct));
        if (sandbox is null) return;
        var killed = false;
        try
        {
            killed = await recorder.TimeAsync(context.Options.OperationTimeout, ct => SandboxOperations.KillAsync(sandbox, ct));
        }
        finally
        {
            if (!killed) await context.CleanupAsync(sandbox);
            await sandbox.Connection.DisposeAsync();
        }
    }
}
