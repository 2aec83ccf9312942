namespace Sandbox.Benchmark.Scenarios;

/// <summary>
/// Measurements 1–3: create a sandbox, run several Python round trips in it, kill it. One
/// operation is one sandbox's whole life, so at concurrency N there are N sandboxes alive at once.
/// </summary>
public static class LifecycleScenario
{
    public static async Task<List<MeasurementResult>> RunAsync(BenchmarkContext context)
    {
        var options = context.Options;
        var results = new List<MeasurementResult>();
        for (var i = 0; i < options.Warmup; i++)
            await OneSandboxAsync(context, new("create", 0), new("exec", 0), new("kill", 0));

        foreach (var level in options.ConcurrencyLevels)
        {
            var create = new LatencyRecorder("create", level);
            var exec = new LatencyRecorder("exec", level);
            var kill = new LatencyRecorder("kill", level);
            var run = await LoadRunner.RunAsync(level, options.OperationsAt(level), options.LevelBudget, _ => OneSandboxAsync(context, create, exec, kill));
            context.LogLevel("create/exec/kill", level, run, create, exec, kill);
            results.Add(create.Summarize(run.Wall, run.NotStarted));
            results.Add(exec.Summarize(run.Wall, run.NotStarted));
            results.Add(kill.Summarize(run.Wall, run.NotStarted));
        }
        return results;
    }

    private static async Task OneSandboxAsync(BenchmarkContext context, LatencyRecorder create, LatencyRecorder exec, LatencyRecorder kill)
    {
        var timeout = context.Options.OperationTimeout;
        // the socket is opened inside the timed span: a client's create() includes the handshake
        var sandbox = await create.TimeAsync(timeout, ct => SandboxOperations.CreateAsync(context.WebSocketBase, new { idle_timeout = 60 }, ct));
        if (sandbox is null) return;

        var killed = false;
        try
        {
            for (var i = 0; i < context.Options.ExecsPerSandbox; i++)
            {
                // after a failed round trip its late events could be taken for the next one's: stop here
                if (!await exec.TimeAsync(timeout, ct => SandboxOperations.ExecuteAsync(sandbox, SandboxOperations.PythonProbe, SandboxOperations.PythonProbeOutput, ct)))
                    break;
            }
            killed = await kill.TimeAsync(timeout, ct => SandboxOperations.KillAsync(sandbox, ct));
        }
        finally
        {
            if (!killed) await context.CleanupAsync(sandbox);
            await sandbox.Connection.DisposeAsync();
        }
    }
}
