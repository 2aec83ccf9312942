using System.Net;
using System.Text;

namespace Sandbox.Benchmark.Scenarios;

/// <summary>Measurement 4: POST /execute end to end (one-shot sandbox created, run, deleted) and throughput.</summary>
public static class HttpExecuteScenario
{
    public static async Task<List<MeasurementResult>> RunAsync(BenchmarkContext context)
    {
        var options = context.Options;
        // one pooled client for the whole run; without a connection limit every worker gets its own connection
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = options.BaseUrl,
            Timeout = Timeout.InfiniteTimeSpan, // the per-operation limit is applied by the recorder
        };
        var results = new List<MeasurementResult>();
        for (var i = 0; i < options.Warmup; i++)
            await ExecuteOnceAsync(http, new("http_execute", 0), options.OperationTimeout);

        foreach (var level in options.ConcurrencyLevels)
        {
            var recorder = new LatencyRecorder("http_execute", level);
            var run = await LoadRunner.RunAsync(level, options.OperationsAt(level), options.LevelBudget, _ => ExecuteOnceAsync(http, recorder, options.OperationTimeout));
            context.LogLevel("POST /execute", level, run, recorder);
            results.Add(recorder.Summarize(run.Wall, run.NotStarted, withThroughput: true));
        }
        return results;
    }

    private static Task ExecuteOnceAsync(HttpClient http, LatencyRecorder recorder, TimeSpan timeout) =>
        recorder.TimeAsync(timeout, async ct =>
        {
            using var content = new StringContent(SandboxOperations.PythonProbe, Encoding.UTF8, "text/plain");
            using var response = await http.PostAsync("execute?language=python", content, ct);
            // the body streams while the code runs: the request is complete only when it has been read to the end
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new ProtocolViolationException($"HTTP {(int)response.StatusCode}: {Shorten(body)}");
            if (body != SandboxOperations.PythonProbeOutput)
                throw new ProtocolViolationException($"body was {ServerEvent.Quote(Shorten(body))}, expected {ServerEvent.Quote(SandboxOperations.PythonProbeOutput)}");
        });

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "…" : text;
}
