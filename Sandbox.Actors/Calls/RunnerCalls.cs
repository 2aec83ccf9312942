using System.Collections.Concurrent;
using Akka.Actor;
using Sandbox.Actors.Runner;
using Sandbox.Core.Calls;
using static Sandbox.Core.Calls.SandboxCalls;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Actors.Calls;

/// <summary>
/// Performs a sandbox's <see cref="ISandboxCall"/>s against its runner and answers each caller
/// directly (the sandbox actor has decided the call may go ahead; nothing here changes its state).
/// Holds the transfers that span calls; they belong to one container and go with it.
/// </summary>
public sealed class RunnerCalls(long processOutputKeepBytes, int diskLimitMb)
{
    /// <summary>The tag of processes started through the API (the reference's executions are tagged exec-N).</summary>
    public const string ApiTag = "api";
    private const int MaxWatchBatch = 1000;

    private readonly ConcurrentDictionary<string, Transfer> _transfers = new();

    /// <summary>The container changed (or went): transfers of the old one end.</summary>
    public void Reset()
    {
        foreach (var id in _transfers.Keys)
            if (_transfers.TryRemove(id, out var t)) _ = t.DisposeAsync().AsTask();
    }

    public void Perform(ISandboxCall call, RunnerConnection? runner, IActorRef? replyTo)
    {
        if (runner is null)
        {
            replyTo?.Tell(new ApiRefused(ApiRefusal.Failed, "The sandbox has no running container right now; try again."));
            return;
        }
        _ = Task.Run(async () =>
        {
            object? answer;
            try { answer = await AnswerAsync(call, runner); }
            catch (Exception e) { answer = CallRefusals.Of(e is AggregateException a ? a.GetBaseException() : e, diskLimitMb); }
            if (answer is not null) replyTo?.Tell(answer);
        });
    }

    private async Task<object?> AnswerAsync(ISandboxCall call, RunnerConnection r) => call switch
    {
        WriteFileChunk w => await WriteChunkAsync(r, w),
        ReadFileChunk c => await ReadChunkAsync(r, c),
        EndTransfer e => await EndAsync(e.TransferId),
        ListFiles l => Files(await r.ListAsync(l.Path, l.Depth)),
        StatFile s => new CallReplies.File(Facts(await r.StatAsync(s.Path))),
        MakeDirectory m => new CallReplies.File(Facts(await r.MkdirAsync(m.Path))),
        DeleteFile d => await Done(r.DeleteAsync(d.Path, d.Recursive)),
        PollWatch p => await PollAsync(r, p),
        StartProcess s => await StartAsync(r, s.Spec),
        ListProcesses => new CallReplies.Processes((await r.ListProcessesAsync()).Where(p => p.Tag == ApiTag).Select(Facts).ToList()),
        GetProcess g => new CallReplies.Process(Facts(await FindAsync(r, g.ProcessId))),
        ReadOutput o => await ReadOutputAsync(r, ProcessNumber(o.ProcessId), o.Offset, o.Follow),
        SandboxCalls.WriteStdin w => await WriteStdinAsync(r, ProcessNumber(w.ProcessId), w.Data, w.Eof),
        SignalProcess s => await Done(r.SignalAsync(await ApiProcessAsync(r, s.ProcessId), SignalOf(s.Signal))),
        ResizeTerminal t => await Done(r.ResizeAsync(await ApiProcessAsync(r, t.ProcessId), t.Cols, t.Rows)),
        _ => throw new CallException(ApiRefusal.BadRequest, $"{call.GetType().Name} is not a call this sandbox knows."),
    };

    private static async Task<object> Done(Task t)
    {
        await t;
        return CallReplies.Done.Instance;
    }

    // ---- files ----------------------------------------------------------------------------------

    private async Task<object> WriteChunkAsync(RunnerConnection r, WriteFileChunk w)
    {
        var upload = w.Index == 0
            ? (UploadTransfer)_transfers.GetOrAdd(w.UploadId, _ => new UploadTransfer(r, w.Path, w.Mode, Abandon))
            : _transfers.TryGetValue(w.UploadId, out var t) && t is UploadTransfer u ? u : throw Gone("upload");
        try
        {
            var entry = await upload.UseAsync(w.Index, () => upload.TakeAsync(w.Data, w.Last));
            if (entry is null) return new CallReplies.ChunkTaken(w.Index);
            await EndAsync(w.UploadId);
            return new CallReplies.File(Facts(entry));
        }
        catch (Exception)
        {
            await EndAsync(w.UploadId);
            throw;
        }
    }

    private async Task<object> ReadChunkAsync(RunnerConnection r, ReadFileChunk c)
    {
        DownloadTransfer download;
        if (c.Index == 0)
        {
            var read = await r.OpenReadAsync(c.Path);
            download = new DownloadTransfer(read, Abandon);
            if (!_transfers.TryAdd(c.DownloadId, download))
            {
                await download.DisposeAsync();
                throw new CallException(ApiRefusal.BadRequest, "This download was started already; start it again under a new id.");
            }
        }
        else download = _transfers.TryGetValue(c.DownloadId, out var t) && t is DownloadTransfer d ? d : throw Gone("download");
        try
        {
            var (data, last) = await download.UseAsync(c.Index, () => download.NextAsync(ChunkBytes));
            if (last) await EndAsync(c.DownloadId);
            return new CallReplies.FileChunk(Facts(download.Entry), c.Index, data, last);
        }
        catch (Exception)
        {
            await EndAsync(c.DownloadId);
            throw;
        }
    }

    private async Task<object> PollAsync(RunnerConnection r, PollWatch p)
    {
        if (p.Index == 0)
        {
            var watch = new WatchTransfer(await r.WatchAsync(p.Path, p.Recursive), Abandon);
            if (!_transfers.TryAdd(p.WatchId, watch))
            {
                await watch.DisposeAsync();
                throw new CallException(ApiRefusal.BadRequest, "This watch was started already; start it again under a new id.");
            }
            await watch.UseAsync(0, () => Task.FromResult(0));
            return new CallReplies.Changes(0, []);   // established: every later change is seen
        }
        var w = _transfers.TryGetValue(p.WatchId, out var t) && t is WatchTransfer x ? x : throw Gone("watch");
        var changes = await w.UseAsync(p.Index, () => w.PollAsync(PollWait, MaxWatchBatch));
        return new CallReplies.Changes(p.Index, changes.Select(c => new ChangeFacts(c.Kind.ToString().ToLowerInvariant(), c.Path)).ToList());
    }

    private async Task<object?> EndAsync(string id)
    {
        if (_transfers.TryRemove(id, out var t)) await t.DisposeAsync();
        return null;
    }

    private void Abandon(Transfer t)
    {
        foreach (var (id, x) in _transfers)
            if (ReferenceEquals(x, t) && _transfers.TryRemove(id, out _)) _ = t.DisposeAsync().AsTask();
    }

    private static CallException Gone(string what) =>
        new(ApiRefusal.NotFound, $"This {what} is no longer open (its client paused for over {Transfer.IdleLimit.TotalSeconds:0} s, or the sandbox was paused meanwhile); start it again.");

    private static CallReplies.Files Files(FileListing l) => new(l.Entries.Select(Facts).ToList(), l.Truncated);

    private static FileFacts Facts(FileEntry e) => new(e.Name, e.Path, e.Type switch
    {
        FileEntryType.File => "file",
        FileEntryType.Directory => "dir",
        FileEntryType.Symlink => "symlink",
        _ => "other",
    }, e.Size, e.Mode, e.ModifiedAt);

    // ---- processes ------------------------------------------------------------------------------

    private async Task<object> StartAsync(RunnerConnection r, ProcessSpec spec)
    {
        var started = await r.StartProcessAsync(new ProcessRequest
        {
            Policy = OutputPolicy.Keep, Cmd = spec.Cmd, Language = spec.Cmd is null ? spec.Language : null, Code = spec.Code,
            Cwd = spec.Cwd, Env = spec.Env, TimeoutSeconds = spec.TimeoutSeconds, KeepBytes = processOutputKeepBytes, Tag = ApiTag,
            Pty = spec.PtyCols is { } cols && spec.PtyRows is { } rows ? new TerminalSize(cols, rows) : null,
        });
        return new CallReplies.Process(new ProcessFacts(IdOf(started.ProcessId), started.Pid, spec.Cmd ?? [spec.Language ?? ""], "running",
            null, null, spec.PtyCols is not null, DateTimeOffset.UtcNow, null));
    }

    private static async Task<ProcessInfo> FindAsync(RunnerConnection r, string processId)
    {
        var number = ProcessNumber(processId);
        return (await r.ListProcessesAsync()).FirstOrDefault(p => p.ProcessId == number && p.Tag == ApiTag) ?? throw UnknownProcess(processId);
    }

    /// <summary>Signals and resizes go only to processes of the API (not to the reference's executions).</summary>
    private static async Task<uint> ApiProcessAsync(RunnerConnection r, string processId) => (await FindAsync(r, processId)).ProcessId;

    private static async Task<object> WriteStdinAsync(RunnerConnection r, uint id, byte[] data, bool eof)
    {
        if (data.Length > 0) await r.WriteStdinAsync(id, data);
        if (eof) await r.CloseStdinAsync(id);
        return CallReplies.Done.Instance;
    }

    /// <summary>
    /// One batch of a process's output from <paramref name="offset"/>: what exists, at most a chunk's
    /// worth; following, what arrives within the poll's wait (and what comes right after the first record).
    /// </summary>
    private static async Task<object> ReadOutputAsync(RunnerConnection r, uint id, long offset, bool follow)
    {
        var records = new List<OutputFacts>();
        long bytes = 0;
        var caughtUp = false;
        using var wait = new CancellationTokenSource(follow ? PollWait : TimeSpan.FromSeconds(30));
        await using var e = r.ReadOutputAsync(id, offset, follow, wait.Token).GetAsyncEnumerator(wait.Token);
        while (true)
        {
            bool more;
            try { more = await e.MoveNextAsync(); }
            catch (OperationCanceledException) when (wait.IsCancellationRequested) { break; }
            if (!more)
            {
                caughtUp = true;
                break;
            }
            var facts = Facts(e.Current);
            records.Add(facts);
            bytes += facts.Bytes?.Length ?? 0;
            if (facts.Stream == "exit")
            {
                caughtUp = true;
                break;
            }
            if (bytes >= ChunkBytes) break;
            // what is already there comes along; then the batch goes (a terminal's keystroke echo is not held back)
            if (follow) wait.CancelAfter(TimeSpan.FromMilliseconds(20));
        }
        return new CallReplies.Output(records, caughtUp);
    }

    private static OutputFacts Facts(OutputRecord r) => r switch
    {
        OutputChunk c => new OutputFacts(c.Stream switch { OutputStream.Stderr => "stderr", OutputStream.Pty => "pty", _ => "stdout" }, c.Offset, c.Bytes),
        OutputGap g => new OutputFacts("gap", g.Offset, DroppedBytes: g.DroppedBytes),
        OutputExit x => new OutputFacts("exit", x.Offset, ExitCode: x.Status.ExitCode, Signal: x.Status.Signal, TimedOut: x.Status.TimedOut),
        _ => throw new InvalidOperationException($"unknown output record {r.GetType().Name}"),
    };

    private static ProcessFacts Facts(ProcessInfo p) => new(IdOf(p.ProcessId), p.Pid, p.Cmd,
        p.State == ProcessState.Running ? "running" : "exited", p.Exit?.ExitCode, p.Exit?.Signal, p.Pty, p.StartedAt, p.EndedAt);

    public static string IdOf(uint processId) => $"p-{processId}";

    private static uint ProcessNumber(string processId) =>
        processId.StartsWith("p-", StringComparison.Ordinal) && uint.TryParse(processId.AsSpan(2), out var n) ? n : throw UnknownProcess(processId);

    private static CallException UnknownProcess(string processId) =>
        new(ApiRefusal.NotFound, $"No process {(processId.Length > 40 ? processId[..40] + "…" : processId)} in this sandbox: list them with GET …/processes.");

    private static RunnerSignal SignalOf(string name) => name.ToUpperInvariant() switch
    {
        "TERM" or "SIGTERM" => RunnerSignal.Term,
        "KILL" or "SIGKILL" => RunnerSignal.Kill,
        "INT" or "SIGINT" => RunnerSignal.Int,
        "HUP" or "SIGHUP" => RunnerSignal.Hup,
        _ => throw new CallException(ApiRefusal.Invalid, $"Signal '{name}' is not one a process may be sent: TERM, KILL, INT or HUP."),
    };
}
