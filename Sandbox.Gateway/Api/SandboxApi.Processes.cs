using System.Runtime.CompilerServices;
using Sandbox.Core.Calls;
using static Sandbox.Core.Calls.SandboxCalls;

namespace Sandbox.Gateway.Api;

/// <summary>Processes and terminals (API-v1 §4): output by offset from the runner's log, read as long
/// polls from any gateway; stdin in chunks, each taken before the next is sent.</summary>
public sealed partial class SandboxApi
{
    private static readonly string[] Languages = ["python", "bash"];

    public async Task<ApiResult<ProcessView>> StartProcessAsync(Caller caller, string sandboxId, ProcessRequest request, CancellationToken ct)
    {
        if (Check(request) is { } bad) return bad;
        var spec = new ProcessSpec
        {
            Cmd = request.Cmd, Language = request.Language, Code = request.Code, Cwd = request.Cwd, Env = request.Env,
            PtyCols = request.Pty?.Cols, PtyRows = request.Pty?.Rows, TimeoutSeconds = request.TimeoutSeconds,
        };
        var r = await CallAsync<CallReplies.Process>(new StartProcess(sandboxId, AccessOf(caller), spec), ct);
        return Audited("process.start", caller, sandboxId, r.Map(p => View(p.Facts)));
    }

    private static ApiError? Check(ProcessRequest r)
    {
        if ((r.Cmd is null) == (r.Language is null))
            return new ApiError(ApiErrorKind.Invalid, "Give either 'cmd' (an argv array) or 'language' with 'code', not both and not neither.", r.Cmd is null ? "cmd" : "language");
        if (r.Cmd is { Count: 0 } || r.Cmd?.Any(a => a is null || a.Contains('\0')) == true)
            return new ApiError(ApiErrorKind.Invalid, "'cmd' must be a non-empty array of strings without NUL bytes, e.g. [\"python3\", \"-u\", \"worker.py\"].", "cmd");
        if (r.Language is { } lang && !Languages.Contains(lang))
            return new ApiError(ApiErrorKind.Invalid, $"Language '{Shorten(lang)}' is not supported: use python or bash (or 'cmd' for anything else).", "language");
        if (r.Language is not null && r.Code is null)
            return new ApiError(ApiErrorKind.Invalid, "'code' is required with 'language'.", "code");
        if (r.Cwd is { } cwd && CheckPath(cwd) is not null)
            return new ApiError(ApiErrorKind.Invalid, "'cwd' must be an absolute path inside the sandbox.", "cwd");
        if (r.Pty is { } pty && (pty.Cols is < 1 or > 1000 || pty.Rows is < 1 or > 1000))
            return new ApiError(ApiErrorKind.Invalid, "'pty' needs cols and rows between 1 and 1000.", "pty");
        if (r.TimeoutSeconds is < 0 or double.NaN)
            return new ApiError(ApiErrorKind.Invalid, "'timeout_seconds' must be 0 (no limit) or more.", "timeout_seconds");
        return null;
    }

    public async Task<ApiResult<IReadOnlyList<ProcessView>>> ListProcessesAsync(Caller caller, string sandboxId, CancellationToken ct) =>
        (await CallAsync<CallReplies.Processes>(new ListProcesses(sandboxId, AccessOf(caller)), ct))
        .Map(p => (IReadOnlyList<ProcessView>)p.Items.Select(View).ToList());

    public async Task<ApiResult<ProcessView>> GetProcessAsync(Caller caller, string sandboxId, string processId, CancellationToken ct) =>
        (await CallAsync<CallReplies.Process>(new GetProcess(sandboxId, AccessOf(caller), processId), ct)).Map(p => View(p.Facts));

    public async Task<ApiResult<IAsyncEnumerable<OutputRecord>>> ReadOutputAsync(Caller caller, string sandboxId, string processId, long offset, bool follow, CancellationToken ct)
    {
        if (offset < 0) return new ApiError(ApiErrorKind.Invalid, "'offset' must be 0 or more.", "offset");
        var call = new ReadOutput(sandboxId, AccessOf(caller), processId, offset, follow);
        // the first batch is asked for now, so an unknown process is a 404 rather than a broken stream
        var first = await CallAsync<CallReplies.Output>(call, ct);
        if (!first.Ok) return first.Error;
        return ApiResult<IAsyncEnumerable<OutputRecord>>.Of(Records(call, first.Value, ct));
    }

    /// <summary>Every byte from the call's offset exactly once: each batch starts where the last record ended.</summary>
    private async IAsyncEnumerable<OutputRecord> Records(ReadOutput call, CallReplies.Output batch, [EnumeratorCancellation] CancellationToken ct)
    {
        var offset = call.Offset;
        while (true)
        {
            foreach (var f in batch.Records)
            {
                var record = View(f);
                yield return record;
                if (record.Stream == "exit") yield break;
                offset = record.Stream == "gap" ? record.Offset + (record.DroppedBytes ?? 0) : record.End;
            }
            if (batch.CaughtUp && !call.Follow) yield break;
            var next = await CallAsync<CallReplies.Output>(call with { Offset = offset }, ct);
            if (!next.Ok) throw new ApiStreamException(next.Error);
            batch = next.Value;
        }
    }

    public async Task<ApiResult<Done>> WriteStdinAsync(Caller caller, string sandboxId, string processId, Stream data, bool eof, CancellationToken ct)
    {
        var access = AccessOf(caller);
        var buffer = new byte[ChunkBytes];
        while (true)
        {
            var n = await data.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
            var last = n < buffer.Length;
            if (n == 0 && !eof) return Done.Instance;
            var r = await CallAsync<CallReplies.Done>(new SandboxCalls.WriteStdin(sandboxId, access, processId, buffer[..n], last && eof), ct);
            if (!r.Ok) return r.Error;
            if (last) return Done.Instance;
        }
    }

    public async Task<ApiResult<Done>> SignalAsync(Caller caller, string sandboxId, string processId, string signal, CancellationToken ct)
    {
        if (signal.ToUpperInvariant() is not ("TERM" or "KILL" or "INT" or "HUP"))
            return new ApiError(ApiErrorKind.Invalid, $"Signal '{Shorten(signal)}' cannot be sent: use TERM, KILL, INT or HUP.", "signal");
        var r = await CallAsync<CallReplies.Done>(new SignalProcess(sandboxId, AccessOf(caller), processId, signal.ToUpperInvariant()), ct);
        return Audited("process.signal", caller, sandboxId, r.Map(_ => Done.Instance));
    }

    public async Task<ApiResult<Done>> ResizeAsync(Caller caller, string sandboxId, string processId, int cols, int rows, CancellationToken ct)
    {
        if (cols is < 1 or > 1000) return new ApiError(ApiErrorKind.Invalid, "'cols' must be between 1 and 1000.", "cols");
        if (rows is < 1 or > 1000) return new ApiError(ApiErrorKind.Invalid, "'rows' must be between 1 and 1000.", "rows");
        return (await CallAsync<CallReplies.Done>(new ResizeTerminal(sandboxId, AccessOf(caller), processId, cols, rows), ct)).Map(_ => Done.Instance);
    }

    public async Task<ApiResult<ITerminalAttachment>> AttachTerminalAsync(Caller caller, string sandboxId, string processId, long offset, CancellationToken ct)
    {
        var output = await ReadOutputAsync(caller, sandboxId, processId, offset, follow: true, ct);
        if (!output.Ok) return output.Error;
        return ApiResult<ITerminalAttachment>.Of(new CallTerminal(this, caller, sandboxId, processId, output.Value));
    }

    /// <summary>A terminal over calls: output by long poll, stdin and resizes as calls of their own.</summary>
    private sealed class CallTerminal(SandboxApi api, Caller caller, string sandboxId, string processId, IAsyncEnumerable<OutputRecord> output)
        : ITerminalAttachment
    {
        public IAsyncEnumerable<OutputRecord> Output => output;

        public async Task<ApiResult<Done>> WriteAsync(ReadOnlyMemory<byte> stdin, CancellationToken ct) =>
            (await api.CallAsync<CallReplies.Done>(new SandboxCalls.WriteStdin(sandboxId, AccessOf(caller), processId, stdin.ToArray(), false), ct))
            .Map(_ => Done.Instance);

        public Task<ApiResult<Done>> ResizeAsync(int cols, int rows, CancellationToken ct) => api.ResizeAsync(caller, sandboxId, processId, cols, rows, ct);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;   // the process runs on; its output stays in its log
    }

    private static ProcessView View(ProcessFacts p) => new()
    {
        ProcessId = p.ProcessId, Pid = p.Pid, Cmd = p.Cmd, State = p.State, ExitCode = p.ExitCode, Signal = p.Signal, Pty = p.Pty,
        StartedAt = p.StartedAt, EndedAt = p.EndedAt,
    };

    private static OutputRecord View(OutputFacts f) => new(f.Stream, f.Offset, f.Bytes)
    {
        ExitCode = f.ExitCode, Signal = f.Signal, DroppedBytes = f.DroppedBytes, TimedOut = f.TimedOut,
    };
}
