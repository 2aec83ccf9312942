using System.Text;
using ModelContextProtocol;
using Sandbox.Gateway.Api;

namespace Sandbox.Gateway.Mcp;

/// <summary>
/// Runs code as a process of a sandbox and waits for its end (exec, run_code): output collected
/// per stream with a decoder that keeps characters split between chunks whole, at most
/// <see cref="MaxBytesPerStream"/> of each kept for the answer, the output so far sent as progress
/// once a second while it runs, and a timeout after which it is killed.
/// </summary>
public static class CodeRunner
{
    public const int MaxBytesPerStream = 256 * 1024;
    public const double DefaultTimeoutSeconds = 60;
    public const double MaxTimeoutSeconds = 3600;
    private const int ProgressTailChars = 2000;

    public static async Task<ApiResult<CodeRun>> RunAsync(ISandboxApi api, Caller caller, string sandboxId, string language, string code,
        double timeoutSeconds, IProgress<ProgressNotificationValue>? progress, CancellationToken ct)
    {
        var started = await api.StartProcessAsync(caller, sandboxId, new ProcessRequest
        {
            Language = language,
            Code = code,
            TimeoutSeconds = timeoutSeconds,
        }, ct);
        if (!started.Ok) return started.Error;
        var processId = started.Value.ProcessId;

        // the process's own timeout kills it; this one only stops waiting if that kill never shows
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds + 15));
        var stdout = new StreamText();
        var stderr = new StreamText();
        int? exitCode = null;
        string? signal = null;
        var timedOut = false;
        var began = DateTime.UtcNow;
        using var ticker = progress is null ? null : new Timer(_ =>
        {
            var tail = Tail(stdout.Text + stderr.Text);
            progress.Report(new ProgressNotificationValue
            {
                Progress = (float)(DateTime.UtcNow - began).TotalSeconds,
                Total = (float)timeoutSeconds,
                Message = tail.Length == 0 ? "running, no output yet" : tail,
            });
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        var read = await api.ReadOutputAsync(caller, sandboxId, processId, 0, follow: true, deadline.Token);
        if (!read.Ok) return read.Error;
        try
        {
            await foreach (var r in read.Value.WithCancellation(deadline.Token))
            {
                switch (r.Stream)
                {
                    case "stdout" or "pty": stdout.Add(r.Bytes); break;
                    case "stderr": stderr.Add(r.Bytes); break;
                    case "exit":
                        exitCode = r.ExitCode;
                        signal = r.Signal;
                        timedOut = r.TimedOut;   // the runner enforces the timeout and says so
                        break;
                }
                if (r.Stream == "exit") break;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            timedOut = true;
            await api.SignalAsync(caller, sandboxId, processId, "KILL", CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
            // the client cancelled the call: the code it asked for stops with it
            await api.SignalAsync(caller, sandboxId, processId, "KILL", CancellationToken.None);
            throw;
        }
        if (signal is "KILL" && (DateTime.UtcNow - began).TotalSeconds >= timeoutSeconds) timedOut = true;
        return new CodeRun(stdout.Text, stderr.Text, exitCode, signal, timedOut, stdout.Truncated || stderr.Truncated, processId);
    }

    private static string Tail(string s) => s.Length <= ProgressTailChars ? s : "…" + s[^ProgressTailChars..];

    /// <summary>One stream's text: a stateful UTF-8 decoder (invalid bytes replaced) and a cap.</summary>
    private sealed class StreamText
    {
        private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
        private readonly StringBuilder _text = new();
        private long _bytes;
        private readonly Lock _lock = new();
        public bool Truncated { get; private set; }

        public string Text { get { lock (_lock) return _text.ToString(); } }

        public void Add(byte[]? bytes)
        {
            if (bytes is null) return;
            lock (_lock)
            {
                var room = (int)Math.Max(0, MaxBytesPerStream - _bytes);
                if (room == 0) { Truncated = true; return; }
                var take = Math.Min(room, bytes.Length);
                if (take < bytes.Length) Truncated = true;
                var chars = new char[_decoder.GetCharCount(bytes, 0, take)];
                _decoder.GetChars(bytes, 0, take, chars, 0);
                _text.Append(chars);
                _bytes += take;
            }
        }
    }
}
