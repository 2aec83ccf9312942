using System.Collections.Concurrent;

namespace Sandbox.Benchmark.Scenarios;

/// <summary>Measurement 6: what one idle sandbox costs, split between the server process and gVisor's own processes.</summary>
public sealed record MemoryResult
{
    public string Status { get; init; } = "ok";
    public string? Message { get; init; }
    public int SandboxesRequested { get; init; }
    public int SandboxesCreated { get; init; }
    public int Errors { get; init; }
    public Dictionary<string, int> ErrorKinds { get; init; } = [];
    public int? ServerPid { get; init; }
    public double? ServerRssBeforeMib { get; init; }
    public double? ServerRssAfterMib { get; init; }
    /// <summary>(after − before) / sandboxes of the server's VmRSS: actors, sessions, sockets, runsc pipes.</summary>
    public double? ServerRssPerSandboxMib { get; init; }
    public int? RunscProcessesBefore { get; init; }
    public int? RunscProcessesAfter { get; init; }
    public double? RunscRssBeforeMib { get; init; }
    public double? RunscRssAfterMib { get; init; }
    /// <summary>gVisor's own cost: summed VmRSS of the runsc processes (sentry, gofer, runsc run, ptrace stubs) per sandbox.
    /// Shared pages (the runsc binary) count once per process, so this overstates the machine's real cost.</summary>
    public double? RunscRssPerSandboxMib { get; init; }
    /// <summary>The same with proportional set size, which splits shared pages between their users: closer to the real cost.</summary>
    public double? RunscPssPerSandboxMib { get; init; }
    /// <summary>Per gVisor process role with the sandboxes held: processes, summed VmRSS and PSS in MiB.</summary>
    public Dictionary<string, ProcessGroupMemory> RunscByRole { get; init; } = [];
    public string[] RunscPlatformFlags { get; init; } = [];
    public int? RunscProcessesOfOtherServers { get; init; }

    public static MemoryResult Unavailable(string message) => new() { Status = "unavailable", Message = message };
}

public sealed record ProcessGroupMemory(int Processes, double RssMib, double PssMib);

public static class MemoryScenario
{
    private const double BytesPerMib = 1024 * 1024;
    /// <summary>Creations in flight while filling the server: enough to be quick, few enough not to time out on a small machine.</summary>
    private const int CreationConcurrency = 5;

    public static async Task<MemoryResult> RunAsync(BenchmarkContext context)
    {
        if (context.Server is not { } server) return MemoryResult.Unavailable("server process unknown: " + context.ServerProblem);
        var requested = context.Options.MemorySandboxes;

        await WaitForEarlierSandboxesToGoAsync(context, server.Pid);
        var serverBefore = ProcFs.Memory([server.Pid]);
        var runscBefore = ProcFs.Memory(ProcFs.RunscProcesses(server.Pid));
        context.Log($"memory: server RSS {serverBefore.RssBytes / BytesPerMib:0.0} MiB, {runscBefore.Processes} runsc processes before; creating {requested} idle sandboxes");

        var errors = new LatencyRecorder("memory", requested);
        var held = new ConcurrentBag<SandboxHandle>();
        try
        {
            await LoadRunner.RunAsync(Math.Min(CreationConcurrency, requested), requested, context.Options.LevelBudget, async _ =>
            {
                if (await errors.TimeAsync(context.Options.OperationTimeout, ct => SandboxOperations.CreateAsync(context.WebSocketBase, new { idle_timeout = 60 }, ct)) is { } sandbox)
                    held.Add(sandbox);
            });
            // let the last sandboxes finish starting their runner and the server settle its buffers
            await Task.Delay(TimeSpan.FromSeconds(3));

            var serverAfter = ProcFs.Memory([server.Pid]);
            var runscPids = ProcFs.RunscProcesses(server.Pid);
            var runscAfter = ProcFs.Memory(runscPids);
            var allRunsc = ProcFs.RunscProcesses(null).Count;
            var created = held.Count;
            double? PerSandbox(long before, long after) => created > 0 ? Math.Round((after - before) / BytesPerMib / created, 2) : null;
            var summary = errors.Summarize();
            return new MemoryResult
            {
                SandboxesRequested = requested,
                SandboxesCreated = created,
                Errors = summary.Errors,
                ErrorKinds = summary.ErrorKinds,
                ServerPid = server.Pid,
                ServerRssBeforeMib = Math.Round(serverBefore.RssBytes / BytesPerMib, 1),
                ServerRssAfterMib = Math.Round(serverAfter.RssBytes / BytesPerMib, 1),
                ServerRssPerSandboxMib = PerSandbox(serverBefore.RssBytes, serverAfter.RssBytes),
                RunscProcessesBefore = runscBefore.Processes,
                RunscProcessesAfter = runscAfter.Processes,
                RunscRssBeforeMib = Math.Round(runscBefore.RssBytes / BytesPerMib, 1),
                RunscRssAfterMib = Math.Round(runscAfter.RssBytes / BytesPerMib, 1),
                RunscRssPerSandboxMib = PerSandbox(runscBefore.RssBytes, runscAfter.RssBytes),
                RunscPssPerSandboxMib = PerSandbox(runscBefore.PssBytes, runscAfter.PssBytes),
                RunscByRole = ProcFs.MemoryByRole(runscPids).ToDictionary(g => g.Key,
                    g => new ProcessGroupMemory(g.Value.Processes, Math.Round(g.Value.RssBytes / BytesPerMib, 1), Math.Round(g.Value.PssBytes / BytesPerMib, 1))),
                RunscPlatformFlags = ProcFs.RunscPlatformFlags(runscPids),
                RunscProcessesOfOtherServers = allRunsc - runscPids.Count,
            };
        }
        finally
        {
            var toKill = held.ToArray();
            context.Log($"memory: killing {toKill.Length} sandboxes");
            await LoadRunner.RunAsync(CreationConcurrency, toKill.Length, context.Options.LevelBudget, async i =>
            {
                var sandbox = toKill[i];
                await context.CleanupAsync(sandbox);
                await sandbox.Connection.DisposeAsync();
            });
        }
    }

    /// <summary>Sandboxes killed by the previous measurement may still be tearing down; their runsc processes would count as "before".</summary>
    private static async Task WaitForEarlierSandboxesToGoAsync(BenchmarkContext context, int serverPid)
    {
        for (var waited = 0; waited < 30; waited++)
        {
            if (ProcFs.RunscProcesses(serverPid).Count == 0) return;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        context.Note($"memory: {ProcFs.RunscProcesses(serverPid).Count} runsc processes of the server were still alive before the measurement (counted in 'before')");
    }
}
