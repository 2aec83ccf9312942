using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;

namespace Sandbox.Actors.Runner;

/// <summary>
/// The host's side of runner protocol v2 (frames: <see cref="RunnerFrameType"/>) over the runner's
/// stdout and stdin, with async I/O. It treats everything the runner sends as hostile: every frame
/// is checked (type, length, channel, order, credit, JSON shape) and a frame that begins must end
/// within a bound; any violation ends the connection with <see cref="RunnerEndKind.Violation"/> and
/// a sentence naming it, failing every pending call with <see cref="RunnerUnavailableException"/>.
/// Nothing the runner sends makes the host allocate without bound (inbound data is limited by the
/// credit the host grants) or wait forever (control answers have deadlines).
/// <para>
/// A fresh runner is ready after its ready frame (<see cref="Ready"/>). A restored one (open with
/// <c>restored: true</c>) first gets <see cref="ReviveAsync"/>, whose answer completes <see cref="Ready"/>;
/// it stays quiesced until <see cref="ResumeAfterQuiesceAsync"/>.
/// </para>
/// </summary>
public sealed class RunnerConnection : IAsyncDisposable
{
    private readonly RunnerConnectionOptions _options;
    private readonly RunnerOutbound _out;
    private readonly ConcurrentDictionary<uint, RunnerRequest> _requests = new();
    private readonly Channel<RunnerEvent> _events = Channel.CreateUnbounded<RunnerEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly RunnerProcessTable _processes;
    private readonly TaskCompletionSource<RunnerHello> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<RunnerEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _stdinOrder = new(1, 1);
    private readonly bool _restored;
    private readonly Task _loops;
    private uint _reviveChannel;
    private bool _greeted;
    private long _nextChannel = RunnerFrame.FirstRequestChannel;

    private RunnerConnection(Stream fromRunner, Stream toRunner, RunnerConnectionOptions options, bool restored)
    {
        _options = options;
        _restored = restored;
        _out = new RunnerOutbound(toRunner, options, Fault);
        _processes = new RunnerProcessTable(_events.Writer, frame => _out.TrySend(frame));
        _ready.Task.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        var inbound = new RunnerInbound(fromRunner, options);
        var reading = Task.Run(async () => End(await inbound.RunAsync(OnFrame, _stop.Token)));
        var writing = Task.Run(() => _out.RunAsync(_stop.Token));
        _loops = Task.WhenAll(reading, writing);
    }

    /// <summary>Starts talking to a runner over its output (<paramref name="fromRunner"/>) and input.</summary>
    /// <param name="restored">The runner was restored from a checkpoint: call <see cref="ReviveAsync"/> first.</param>
    public static RunnerConnection Open(Stream fromRunner, Stream toRunner, RunnerConnectionOptions? options = null, bool restored = false) =>
        new(fromRunner, toRunner, options ?? new RunnerConnectionOptions(), restored);

    /// <summary>Completes with the runner's hello (a fresh runner's ready frame, or a revived one's answer).</summary>
    public Task<RunnerHello> Ready => _ready.Task;
    /// <summary>Completes when the connection ends, saying how; never faults.</summary>
    public Task<RunnerEnd> Ended => _ended.Task;
    /// <summary>
    /// In the runner's order: <see cref="ProcessStarted"/> for each process started through this
    /// connection (before anything else of it), <see cref="ProcessOutput"/> of block processes,
    /// <see cref="ProcessExited"/> of every process. Completes when the connection ends. Output of
    /// block processes is bounded by the credit granted with <see cref="Acknowledge"/>.
    /// </summary>
    public ChannelReader<RunnerEvent> Events => _events.Reader;
    public RunnerConnectionOptions Options => _options;

    // ---- processes ------------------------------------------------------------------------------

    /// <summary>Starts a process. Fails with <see cref="RunnerProcessException"/> (e.g. <see cref="RunnerProcessError.NotFound"/>
    /// for a missing command or working directory) or <see cref="RunnerUnavailableException"/>.</summary>
    public async Task<StartedProcess> StartProcessAsync(ProcessRequest request, CancellationToken ct = default)
    {
        if ((request.Cmd is null) == (request.Language is null))
            throw new ArgumentException("a process needs either cmd or language (with code)", nameof(request));
        var body = new Dictionary<string, object?>
        {
            ["op"] = "start",
            ["policy"] = request.Policy == OutputPolicy.Block ? "block" : "keep",
            ["credit"] = request.Policy == OutputPolicy.Block ? Math.Max(0, request.Credit) : 0,
            ["stdin"] = request.CloseStdin ? "closed" : "open",
        };
        if (request.Cmd is { } cmd) body["cmd"] = cmd;
        else
        {
            body["language"] = request.Language;
            body["code"] = request.Code ?? "";
        }
        if (request.Cwd is { } cwd) body["cwd"] = cwd;
        if (request.Env is { } env) body["env"] = env;
        if (request.Pty is { } pty) body["pty"] = new Dictionary<string, int> { ["cols"] = pty.Cols, ["rows"] = pty.Rows };
        if (request.TimeoutSeconds is > 0) body["timeout"] = request.TimeoutSeconds;
        if (request.KeepBytes is { } keep) body["keep_bytes"] = Math.Max(0, keep);
        if (request.Tag is { } tag) body["tag"] = tag;
        var credit = request.Policy == OutputPolicy.Block ? Math.Max(0, request.Credit) : 0;
        var r = Open(channel => new ReplyRequest<StartedProcess>(this, channel, "a process start", payload =>
        {
            const string what = "the answer to a process start";
            var o = RunnerJson.Parse(payload, what);
            var started = new StartedProcess(
                (uint)RunnerJson.Long(o, "process_id", what, 1, RunnerFrame.MaxProcessChannel),
                (int)RunnerJson.Long(o, "pid", what, 1, int.MaxValue));
            // registered even if the caller has given up: its frames will come
            _processes.Started(started.ProcessId, started.Pid, request.Policy, credit, request.Tag);
            return started;
        }, RunnerPayloads.ProcessError), body, _options.ReplyTimeout);
        return await Await(r, r.Result, ct);
    }

    /// <summary>Writes to a process's stdin; completes once the runner has taken the bytes (it holds at
    /// most a little while the program does not read). <see cref="RunnerProcessError.StdinClosed"/> after an end.</summary>
    /// <remarks>Writes (and <see cref="CloseStdinAsync"/>) reach the program in the order they were called,
    /// also when the caller does not await them.</remarks>
    public async Task WriteStdinAsync(uint processId, ReadOnlyMemory<byte> bytes, CancellationToken ct = default)
    {
        var pending = new List<Task>();
        await _stdinOrder.WaitAsync(ct);
        try
        {
            for (var at = 0; at == 0 || at < bytes.Length; at += _options.ChunkBytes)
            {
                if (!await _out.WaitForRoomAsync(ct)) throw Unavailable();
                var piece = bytes.Slice(at, Math.Min(_options.ChunkBytes, bytes.Length - at));
                var r = Register(channel => new ReplyRequest<bool>(this, channel, "a stdin write", RunnerPayloads.AnObject("a stdin write"), RunnerPayloads.ProcessError));
                Send(RunnerFrame.Encode(RunnerFrameType.Stdin, r.ChannelId, processId, piece.Span));
                pending.Add(Await(r, r.Result, ct));
            }
        }
        finally
        {
            _stdinOrder.Release();
        }
        await Task.WhenAll(pending);
    }

    /// <summary>Ends a process's stdin (on a terminal: sends ^D) once what was written is delivered.</summary>
    public async Task CloseStdinAsync(uint processId, CancellationToken ct = default)
    {
        ReplyRequest<bool> r;
        await _stdinOrder.WaitAsync(ct);
        try
        {
            r = Open(channel => new ReplyRequest<bool>(this, channel, "a stdin end", RunnerPayloads.AnObject("a stdin end"), RunnerPayloads.ProcessError),
                new() { ["op"] = "eof", ["process"] = processId }, _options.ReplyTimeout);
        }
        finally
        {
            _stdinOrder.Release();
        }
        await Await(r, r.Result, ct);
    }

    /// <summary>Signals a process's group. <see cref="RunnerProcessError.AlreadyExited"/> once it has exited.</summary>
    public Task SignalAsync(uint processId, RunnerSignal signal, CancellationToken ct = default) =>
        Control("a signal", new() { ["op"] = "signal", ["process"] = processId, ["signal"] = signal.ToString().ToUpperInvariant() },
            RunnerPayloads.ProcessError, ct);

    /// <summary>Resizes a process's terminal. <see cref="RunnerProcessError.NotATerminal"/> without one.</summary>
    public Task ResizeAsync(uint processId, int cols, int rows, CancellationToken ct = default) =>
        Control("a resize", new() { ["op"] = "resize", ["process"] = processId, ["cols"] = cols, ["rows"] = rows },
            RunnerPayloads.ProcessError, ct);

    /// <summary>Lets a block process push <paramref name="bytes"/> more output (give back what the host has taken).</summary>
    public void Acknowledge(uint processId, long bytes)
    {
        if (!_ended.Task.IsCompleted) _processes.Grant(processId, bytes);
    }

    public async Task<IReadOnlyList<ProcessInfo>> ListProcessesAsync(CancellationToken ct = default)
    {
        var r = Open(channel => new EntriesRequest<ProcessInfo>(this, channel, "a process listing", _options.MaxListEntries,
            RunnerPayloads.Process, RunnerPayloads.ProcessError, _options.ReplyTimeout), new() { ["op"] = "processes" }, _options.ReplyTimeout);
        return (await Await(r, r.Result, ct)).Entries;
    }

    /// <summary>
    /// A process's output from <paramref name="offset"/>: chunks, a gap first if that offset is no
    /// longer kept, and the exit as the last record (without <paramref name="follow"/>, it ends at
    /// what exists). The runner sends only as far ahead as this enumeration has consumed; leaving it
    /// early closes the read on both sides.
    /// </summary>
    public async IAsyncEnumerable<OutputRecord> ReadOutputAsync(uint processId, long offset, bool follow,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var window = _options.StreamWindowBytes;
        var r = Open(channel => new OutputReadRequest(this, channel, processId, window),
            new() { ["op"] = "output", ["process"] = processId, ["offset"] = Math.Max(0, offset), ["follow"] = follow, ["credit"] = window },
            null);
        try
        {
            await foreach (var (record, cost) in r.Records.ReadAllAsync(ct))
            {
                yield return record;
                ReturnCredit(r.ChannelId, r.Credit, cost);
            }
        }
        finally
        {
            if (!r.Ended) r.Cancel();
        }
    }

    // ---- files ----------------------------------------------------------------------------------

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> (parents created), streamed with
    /// credit: neither side holds the file. The file appears whole (renamed into place) at the end.</summary>
    public async Task<FileEntry> WriteFileAsync(string path, int? mode, Stream content, CancellationToken ct = default)
    {
        var body = new Dictionary<string, object?> { ["op"] = "write", ["path"] = path };
        if (mode is { } m) body["mode"] = m;
        var r = Open(channel => new FileWriteRequest(this, channel, _options.ReplyTimeout), body, _options.ReplyTimeout);
        try
        {
            while (true)
            {
                var credit = await r.TakeCreditAsync(_options.ChunkBytes, ct);
                if (credit == 0) break;   // the runner ended it (its result says why)
                if (!await _out.WaitForRoomAsync(ct)) throw Unavailable();
                var buffer = new byte[RunnerFrame.HeaderSize + credit];
                var n = await content.ReadAsync(buffer.AsMemory(RunnerFrame.HeaderSize, credit), ct);
                if (n == 0)
                {
                    r.EndSent = true;
                    r.StartDeadline(_options.ReplyTimeout);
                    Send(RunnerFrame.Encode(RunnerFrameType.End, r.ChannelId, ReadOnlySpan<byte>.Empty));
                    break;
                }
                RunnerFrame.WriteHeader(buffer, RunnerFrameType.Data, r.ChannelId, n);
                Send(n == credit ? buffer : buffer.AsSpan(0, RunnerFrame.HeaderSize + n).ToArray());
                if (n < credit) r.GiveBack(credit - n);
            }
            return await r.Result.WaitAsync(ct);
        }
        catch (Exception) when (!r.Result.IsCompleted)
        {
            r.Cancel();   // the runner deletes what it had written
            throw;
        }
    }

    /// <summary>Opens a file for reading: its entry now, its bytes as they are read.
    /// <see cref="RunnerFileError.IsDirectory"/>, <see cref="RunnerFileError.NotFound"/>, … as typed errors.</summary>
    public async Task<RunnerFileDownload> OpenReadAsync(string path, CancellationToken ct = default)
    {
        var window = _options.StreamWindowBytes;
        var r = Open(channel => new FileReadRequest(this, channel, path, window, _options.ReplyTimeout),
            new() { ["op"] = "read", ["path"] = path, ["credit"] = window }, _options.ReplyTimeout);
        var entry = await Await(r, r.Head, ct, cancelOnStop: true);
        return new RunnerFileDownload(this, r, entry);
    }

    public async Task<FileListing> ListAsync(string path, int depth = 1, CancellationToken ct = default)
    {
        var limit = _options.MaxListEntries;
        var r = Open(channel => new EntriesRequest<FileEntry>(this, channel, "a file listing", limit,
                e => RunnerPayloads.Entry(e, "a listed entry"), RunnerPayloads.FileError, _options.ReplyTimeout),
            new() { ["op"] = "list", ["path"] = path, ["depth"] = Math.Max(1, depth), ["limit"] = limit }, _options.ReplyTimeout);
        var (entries, truncated) = await Await(r, r.Result, ct, cancelOnStop: true);
        return new FileListing(entries, truncated);
    }

    public Task<FileEntry> StatAsync(string path, CancellationToken ct = default) =>
        EntryRequest("a stat", new() { ["op"] = "stat", ["path"] = path }, ct);

    /// <summary>Creates a directory and its parents; the entry of the directory.</summary>
    public Task<FileEntry> MkdirAsync(string path, CancellationToken ct = default) =>
        EntryRequest("a mkdir", new() { ["op"] = "mkdir", ["path"] = path }, ct);

    /// <summary>Deletes a file, or a directory (a non-empty one only with <paramref name="recursive"/>).</summary>
    public async Task DeleteAsync(string path, bool recursive, CancellationToken ct = default)
    {
        // a recursive delete of a big tree sends nothing until it is done: a longer bound
        var r = Open(channel => new ReplyRequest<bool>(this, channel, "a delete", RunnerPayloads.AnObject("a delete"), RunnerPayloads.FileError),
            new() { ["op"] = "delete", ["path"] = path, ["recursive"] = recursive }, _options.ReplyTimeout * 10);
        await Await(r, r.Result, ct);
    }

    /// <summary>Watches a path (and, <paramref name="recursive"/>, every directory under it, new ones
    /// too); returns once the watch is established.</summary>
    public async Task<FileWatch> WatchAsync(string path, bool recursive, CancellationToken ct = default)
    {
        var window = _options.StreamWindowBytes / 4;
        var r = Open(channel => new WatchRequest(this, channel, window),
            new() { ["op"] = "watch", ["path"] = path, ["recursive"] = recursive, ["credit"] = window }, _options.ReplyTimeout);
        await Await(r, r.Established, ct, cancelOnStop: true);
        return new FileWatch(this, r);
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    /// <summary>Syncs the sandbox's filesystem. With <paramref name="quiesce"/> the runner also stops
    /// producing and hands over every whole frame before it answers: take a checkpoint then, and
    /// resume with <see cref="ResumeAfterQuiesceAsync"/> if the sandbox goes on.</summary>
    public Task SyncAsync(bool quiesce, CancellationToken ct = default) =>
        Control("a sync", new() { ["op"] = "sync", ["quiesce"] = quiesce }, RunnerPayloads.LifecycleError, ct, _options.SyncTimeout);

    public Task ResumeAfterQuiesceAsync(CancellationToken ct = default) =>
        Control("a resume", new() { ["op"] = "resume" }, RunnerPayloads.LifecycleError, ct);

    public Task PingAsync(CancellationToken ct = default) =>
        Control("a ping", new() { ["op"] = "ping" }, RunnerPayloads.LifecycleError, ct);

    public async Task<RunnerDiagnostics> DiagnosticsAsync(CancellationToken ct = default)
    {
        var r = Open(channel => new ReplyRequest<RunnerDiagnostics>(this, channel, "a diagnostics request", RunnerPayloads.Diagnostics,
            RunnerPayloads.LifecycleError), new() { ["op"] = "stats" }, _options.ReplyTimeout);
        return await Await(r, r.Result, ct);
    }

    /// <summary>The first call on a restored runner: it forgets what the old connection had open, takes
    /// <paramref name="newHostname"/> (a fork), and says which processes run. Completes <see cref="Ready"/>.</summary>
    public async Task<RunnerHello> ReviveAsync(string? newHostname, CancellationToken ct = default)
    {
        if (!_restored) throw new InvalidOperationException("only a restored runner is revived");
        var body = new Dictionary<string, object?> { ["op"] = "revive" };
        if (newHostname is not null) body["hostname"] = newHostname;
        var r = Open(channel =>
        {
            _reviveChannel = channel;
            return new ReplyRequest<RunnerHello>(this, channel, "a revive", payload =>
            {
                var hello = RunnerPayloads.Hello(payload, "the answer to a revive", withRunning: true);
                foreach (var p in hello.Running) _processes.Restored(p);
                _greeted = true;
                _ready.TrySetResult(hello);
                return hello;
            }, RunnerPayloads.LifecycleError);
        }, body, _options.ReplyTimeout);
        return await Await(r, r.Result, ct);
    }

    /// <summary>Ends the connection from the host's side (the runner sees its input end).</summary>
    public async ValueTask DisposeAsync()
    {
        End(new RunnerEnd(RunnerEndKind.Disposed, "the host closed the connection to the sandbox runner"));
        await _loops.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
    }

    // ---- internals --------------------------------------------------------------------------------

    private void OnFrame(RunnerFrameType type, uint channel, byte[] payload)
    {
        if (!_greeted)
        {
            if (_restored)
            {
                if (channel != _reviveChannel || _reviveChannel == 0)
                    throw new RunnerProtocolException($"the sandbox runner sent {RunnerFrame.Named(type)} before answering the revive");
            }
            else
            {
                if (type != RunnerFrameType.Ready || channel != 0)
                    throw new RunnerProtocolException($"the sandbox runner sent {RunnerFrame.Named(type)} before saying it was ready");
                var hello = RunnerPayloads.Hello(payload, "its ready frame", withRunning: false);
                _greeted = true;
                _ready.TrySetResult(hello);
                return;
            }
        }
        if (channel == 0)
            throw new RunnerProtocolException(type == RunnerFrameType.Ready
                ? "the sandbox runner said it was ready a second time"
                : $"the sandbox runner sent {RunnerFrame.Named(type)} on channel 0");
        if (RunnerFrame.IsProcessChannel(channel))
        {
            _processes.Accept(type, channel, payload);
            return;
        }
        if (!_requests.TryGetValue(channel, out var request))
            throw new RunnerProtocolException($"the sandbox runner sent {RunnerFrame.Named(type)} on channel 0x{channel:X8}, which is not open");
        if (request.Accept(type, payload)) _requests.TryRemove(channel, out _);
    }

    private async Task<FileEntry> EntryRequest(string what, Dictionary<string, object?> body, CancellationToken ct)
    {
        var r = Open(channel => new ReplyRequest<FileEntry>(this, channel, what, p => RunnerPayloads.Entry(p, $"the answer to {what}"),
            RunnerPayloads.FileError), body, _options.ReplyTimeout);
        return await Await(r, r.Result, ct);
    }

    private async Task Control(string what, Dictionary<string, object?> body, Func<string, string, Exception> mapError,
        CancellationToken ct, TimeSpan? timeout = null)
    {
        var r = Open(channel => new ReplyRequest<bool>(this, channel, what, RunnerPayloads.AnObject(what), mapError), body, timeout ?? _options.ReplyTimeout);
        await Await(r, r.Result, ct);
    }

    /// <summary>Registers a request under a new channel, sends it, and starts its answer deadline.</summary>
    private T Open<T>(Func<uint, T> create, Dictionary<string, object?> body, TimeSpan? deadline) where T : RunnerRequest
    {
        var r = Register(create);
        if (deadline is { } d) r.StartDeadline(d);
        Send(RunnerFrame.Encode(RunnerFrameType.Request, r.ChannelId, JsonSerializer.SerializeToUtf8Bytes(body)));
        return r;
    }

    private T Register<T>(Func<uint, T> create) where T : RunnerRequest
    {
        if (_ended.Task.IsCompleted) throw Unavailable();
        uint channel;
        do
        {
            // request channels are 0x80000000..0xFFFFFFFF; after a wrap, skip the ones still open
            var n = Interlocked.Increment(ref _nextChannel);
            channel = (uint)(RunnerFrame.FirstRequestChannel + (n - RunnerFrame.FirstRequestChannel) % 0x7FFF_FFFF);
        } while (channel == RunnerFrame.FirstRequestChannel || _requests.ContainsKey(channel));
        var r = create(channel);
        _requests[channel] = r;
        if (_ended.Task.IsCompleted && _requests.TryRemove(channel, out _)) throw Unavailable();
        return r;
    }

    /// <summary>Waits for a request's answer. A caller that gives up abandons it (control answers come
    /// anyway) or, for a stream, cancels it on the runner too.</summary>
    private static async Task<T> Await<T>(RunnerRequest r, Task<T> answer, CancellationToken ct, bool cancelOnStop = false)
    {
        try
        {
            return await answer.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (cancelOnStop) r.Cancel();
            else r.Abandon();
            throw;
        }
    }

    private static async Task Await(RunnerRequest r, Task answer, CancellationToken ct, bool cancelOnStop)
    {
        try
        {
            await answer.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (cancelOnStop) r.Cancel();
            else r.Abandon();
            throw;
        }
    }

    internal void SendCancel(uint channel)
    {
        if (!_ended.Task.IsCompleted) _out.TrySend(RunnerFrame.Encode(RunnerFrameType.Cancel, channel, ReadOnlySpan<byte>.Empty));
    }

    /// <summary>A consumer took <paramref name="cost"/> of a stream; hands credit back in batches.</summary>
    internal void ReturnCredit(uint channel, StreamCredit credit, long cost)
    {
        var give = credit.Take(cost);
        while (give > 0 && !_ended.Task.IsCompleted && _requests.ContainsKey(channel))
        {
            var n = (uint)Math.Min(give, uint.MaxValue);
            _out.TrySend(RunnerFrame.Encode(RunnerFrameType.Credit, channel, n));
            give -= n;
        }
    }

    private void Send(byte[] frame)
    {
        if (_ended.Task.IsCompleted || !_out.TrySend(frame)) throw Unavailable();
    }

    private RunnerUnavailableException Unavailable() =>
        new(_ended.Task.IsCompleted ? _ended.Task.Result : new RunnerEnd(RunnerEndKind.Closed, "the sandbox runner's connection is closing"));

    /// <summary>Ends the connection as broken (the runner stopped reading, or answers nothing at all).</summary>
    internal void Fault(string reason) => End(new RunnerEnd(RunnerEndKind.Violation, reason));

    /// <summary>A request's deadline passed. A few late answers are a busy sandbox; a runner that
    /// leaves many requests open answers nothing and is treated as broken.</summary>
    internal void Unanswered(RunnerRequest r)
    {
        var open = _requests.Values.Count(x => x.Cancelled);
        if (open > MaxUnanswered) Fault($"the sandbox runner left {open} requests unanswered (the last: {r.What})");
    }

    private const int MaxUnanswered = 256;

    private void End(RunnerEnd end)
    {
        if (!_ended.TrySetResult(end)) return;
        _stop.Cancel();
        _out.Complete();
        var unavailable = new RunnerUnavailableException(end);
        foreach (var r in _requests.Values) r.Fail(unavailable);
        _requests.Clear();
        _ready.TrySetException(unavailable);
        _events.Writer.TryComplete();
    }
}
