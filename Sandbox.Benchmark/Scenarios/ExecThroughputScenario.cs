using System.Collections.Concurrent;

namespace Sandbox.Benchmark.Scenarios;

/// <summary>
/// Issue 17's exec throughput: at each concurrency level N, N sandboxes are created first (untimed,
/// each warmed by one exec), then N workers run the trivial Python exec back to back, each in a
/// sandbox nobody else is using, for the level's operations times <c>--exec-per-sandbox</c>. Unlike
/// the lifecycle's exec, nothing is created or killed meanwhile, so the figure is what the node
/// does with execs alone: latency and execs per second (executions / wall time).
/// </summary>
public static class ExecThroughputScenario
{
    public const string Measurement = "exec_steady";

    public static async Task<List<MeasurementResult>> RunAsync(BenchmarkContext context)
    {
        var o = context.Options;
        var results = new List<MeasurementResult>();
        foreach (var level in o.ConcurrencyLevels)
        {
            var setup = new LatencyRecorder("exec_steady_setup", level);
            var created = await Task.WhenAll(Enumerable.Range(0, level).Select(_ =>
                setup.TimeAsync(o.OperationTimeout, ct => SandboxOperations.CreateAsync(context.WebSocketBase, new { idle_timeout = 120 }, ct))));
            var sandboxes = created.OfType<SandboxHandle>().ToList();
            try
            {
                var warm = new LatencyRecorder("exec_steady_warmup", level);
                var free = new ConcurrentQueue<SandboxHandle>();
                foreach (var s in sandboxes)
                    if (await warm.TimeAsync(o.OperationTimeout, ct => SandboxOperations.ExecuteAsync(s, SandboxOperations.PythonProbe, SandboxOperations.PythonProbeOutput, ct)))
                        free.Enqueue(s);
                if (free.Count < level)
                {
                    results.Add(MeasurementResult.Unavailable(Measurement, level, $"only {free.Count} of {level} sandboxes could be created and warmed"));
                    continue;
                }
                var exec = new LatencyRecorder(Measurement, level);
                var run = await LoadRunner.RunAsync(level, o.OperationsAt(level) * o.ExecsPerSandbox, o.LevelBudget, async _ =>
                {
                    if (!free.TryDequeue(out var sandbox)) return;
                    // after a failed round trip its late events could be taken for the next one's: that sandbox is done
                    if (await exec.TimeAsync(o.OperationTimeout, ct => SandboxOperations.ExecuteAsync(sandbox, SandboxOperations.PythonProbe, SandboxOperations.PythonProbeOutput, ct)))
                        free.Enqueue(sandbox);
                });
                context.LogLevel("steady execs", level, run, exec);
                results.Add(exec.Summarize(run.Wall, run.NotStarted, withThroughput: true));
            }
            finally
            {
                await Task.WhenAll(sandboxes.Select(async s =>
                {
                    await context.CleanupAsync(s);
                    await s.Connection.DisposeAsync();
                }));
            }
        }
        return results;
    }
}
