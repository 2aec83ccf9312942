using System.Collections.Concurrent;

namespace Sandbox.Benchmark;

/// <summary>What every scenario shares: the options, the server process, progress output and notes.</summary>
public sealed class BenchmarkContext(BenchmarkOptions options, ServerProcess? server, string? serverProblem)
{
    private readonly ConcurrentDictionary<string, int> _notes = new();
    private readonly ConcurrentQueue<string> _possiblyLeftBehind = new();

    public BenchmarkOptions Options => options;
    /// <summary>The server's process when it could be found (memory and platform figures need it).</summary>
    public ServerProcess? Server => server;
    public string? ServerProblem => serverProblem;
    public Uri WebSocketBase { get; } = options.WebSocketBase;

    /// <summary>What the reader of the results should know that is no measurement's error, grouped: "3 x …".</summary>
    public string[] Notes => [.. _notes.Select(n => n.Value == 1 ? n.Key : $"{n.Value} x {n.Key}")];

    /// <summary>Sandboxes whose cleanup failed: their ids, for whoever has to tidy the server up.</summary>
    public string[] PossiblyLeftBehind => [.. _possiblyLeftBehind];

    /// <summary>Progress goes to stderr so that stdout carries only the report.</summary>
    public void Log(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

    /// <summary>Records a note; only its first occurrence is logged, so a failure repeated by every sandbox does not flood the progress.</summary>
    public void Note(string text)
    {
        if (_notes.AddOrUpdate(SandboxOperations.GroupingKey(text), 1, (_, n) => n + 1) == 1) Log(text);
    }

    public async Task CleanupAsync(SandboxHandle sandbox)
    {
        if (await SandboxOperations.KillQuietlyAsync(sandbox, WebSocketBase) is { } problem)
            LeftBehind(sandbox.SandboxId, problem);
    }

    public void LeftBehind(string sandboxId, string why)
    {
        _possiblyLeftBehind.Enqueue(sandboxId);
        Note($"{sandboxId} may be left on the server: {why}");
    }

    public void LogLevel(string what, int concurrency, LevelRun run, params LatencyRecorder[] recorders)
    {
        var errors = string.Join(", ", recorders.Select(r => $"{r.Measurement} {r.Summarize().Errors} errors"));
        Log($"{what} at concurrency {concurrency}: {run.Started} in {run.Wall.TotalSeconds:0.0} s ({errors})");
        if (run.NotStarted > 0)
            Note($"{what} at concurrency {concurrency}: {run.NotStarted} operations not started, the level budget of {options.LevelBudget.TotalSeconds:0} s ran out");
    }
}
