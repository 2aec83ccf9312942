using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sandbox.Benchmark.Scenarios;

/// <summary>
/// Issue 17's density run: hold N idle sandboxes, say what each costs the host (gVisor's PSS plus the
/// server's RSS growth, and the fall of MemAvailable, which other load on the machine also moves) and
/// how fast one of them still answers a trivial exec while they are all held.
/// </summary>
public sealed record DensityResult
{
    public string Status { get; init; } = "ok";
    public string? Message { get; init; }
    public int SandboxesRequested { get; init; }
    public int SandboxesHeld { get; init; }
    public int CreateErrors { get; init; }
    public Dictionary<string, int> ErrorKinds { get; init; } = [];
    public int CreateConcurrency { get; init; }
    public double? CreateWallSeconds { get; init; }
    public double? CreatesPerSecond { get; init; }
    public double? CreateP50Ms { get; init; }
    public double? CreateP95Ms { get; init; }
    /// <summary>(gVisor's summed PSS + the server's RSS) growth per held sandbox.</summary>
    public double? MibPerSandbox { get; init; }
    /// <summary>The two parts of <see cref="MibPerSandbox"/>: gVisor's processes (summed PSS) and the server process (RSS).</summary>
    public double? GvisorPssMibPerSandbox { get; init; }
    public double? ServerRssMibPerSandbox { get; init; }
    /// <summary>The machine's MemAvailable fall per held sandbox (includes whatever else ran meanwhile).</summary>
    public double? MemAvailableMibPerSandbox { get; init; }
    public int? HostTasksPerSandbox { get; init; }
    public int ExecsWhileHeld { get; init; }
    public int ExecErrors { get; init; }
    public double? ExecP50Ms { get; init; }
    public double? ExecP95Ms { get; init; }

    public static DensityResult Unavailable(string message) => new() { Status = "unavailable", Message = message };
}

public static class DensityScenario
{
    private const double BytesPerMib = 1024 * 1024;
    private const int ExecsWhileHeld = 30;

    public static async Task<DensityResult> RunAsync(BenchmarkContext context)
    {
        if (context.Server is not { } server) return DensityResult.Unavailable("server process unknown: " + context.ServerProblem);
        var o = context.Options;
        var requested = o.DensitySandboxes;
        var concurrency = Math.Min(o.DensityConcurrency, requested);

        var serverBefore = ProcFs.Memory([server.Pid]);
        var runscBefore = ProcFs.Memory(ProcFs.RunscProcesses(server.Pid));
        var tasksBefore = Tasks();
        var availableBefore = ProcFs.MeminfoField("MemAvailable") ?? 0;
        context.Log($"density: creating {requested} idle sandboxes, {concurrency} at a time");

        var creates = new LatencyRecorder("density_create", concurrency);
        var held = new ConcurrentBag<SandboxHandle>();
        var wall = Stopwatch.StartNew();
        try
        {
            var run = await LoadRunner.RunAsync(concurrency, requested, o.LevelBudget * 4, async _ =>
            {
                if (await creates.TimeAsync(o.OperationTimeout, ct => SandboxOperations.CreateAsync(context.WebSocketBase, new { idle_timeout = 900 }, ct)) is { } sandbox)
                    held.Add(sandbox);
            });
            var createWall = wall.Elapsed.TotalSeconds;
            context.Log($"density: {held.Count} held after {createWall:0.0} s; letting the node settle");
            await Task.Delay(TimeSpan.FromSeconds(5));

            var count = held.Count;
            var serverAfter = ProcFs.Memory([server.Pid]);
            var runscAfter = ProcFs.Memory(ProcFs.RunscProcesses(server.Pid));
            var tasksAfter = Tasks();
            var availableAfter = ProcFs.MeminfoField("MemAvailable") ?? 0;

            var execs = new LatencyRecorder("density_exec", 1);
            if (held.TryPeek(out var one))
                for (var i = 0; i < ExecsWhileHeld; i++)
                    if (!await execs.TimeAsync(o.OperationTimeout, ct => SandboxOperations.ExecuteAsync(one, SandboxOperations.PythonProbe, SandboxOperations.PythonProbeOutput, ct)))
                        break;
            var c = creates.Summarize(TimeSpan.FromSeconds(createWall), run.NotStarted);
            var e = execs.Summarize();
            double? Per(double total) => count > 0 ? Math.Round(total / count, 1) : null;
            return new DensityResult
            {
                SandboxesRequested = requested,
                SandboxesHeld = count,
                CreateErrors = c.Errors,
                ErrorKinds = c.ErrorKinds,
                CreateConcurrency = concurrency,
                CreateWallSeconds = Math.Round(createWall, 1),
                CreatesPerSecond = Math.Round(count / createWall, 2),
                CreateP50Ms = c.P50Ms,
                CreateP95Ms = c.P95Ms,
                MibPerSandbox = Per((runscAfter.PssBytes - runscBefore.PssBytes + serverAfter.RssBytes - serverBefore.RssBytes) / BytesPerMib),
                GvisorPssMibPerSandbox = Per((runscAfter.PssBytes - runscBefore.PssBytes) / BytesPerMib),
                ServerRssMibPerSandbox = Per((serverAfter.RssBytes - serverBefore.RssBytes) / BytesPerMib),
                MemAvailableMibPerSandbox = Per((availableBefore - availableAfter) / BytesPerMib),
                HostTasksPerSandbox = count > 0 ? (tasksAfter - tasksBefore) / count : null,
                ExecsWhileHeld = e.Count + e.Errors,
                ExecErrors = e.Errors,
                ExecP50Ms = e.P50Ms,
                ExecP95Ms = e.P95Ms,
            };
        }
        finally
        {
            var toKill = held.ToArray();
            context.Log($"density: killing {toKill.Length} sandboxes");
            await LoadRunner.RunAsync(concurrency, toKill.Length, o.LevelBudget * 4, async i =>
            {
                await context.CleanupAsync(toKill[i]);
                await toKill[i].Connection.DisposeAsync();
            });
        }
    }

    /// <summary>Every task (thread) on the machine, from /proc/loadavg's running/total field.</summary>
    private static int Tasks() =>
        ProcFs.ReadOrNull("/proc/loadavg")?.Split(' ') is { Length: >= 4 } f && f[3].Split('/') is [_, var total] && int.TryParse(total, out var n) ? n : 0;
}
