namespace Sandbox.Actors.Runner;

/// <summary>A file write: the runner grants credit for the bytes it may receive and answers with
/// the file's entry once the host has sent the end (not before).</summary>
internal sealed class FileWriteRequest(RunnerConnection connection, uint channel, TimeSpan creditDeadline)
    : RunnerRequest(connection, channel, "a file write")
{
    protected override bool IsStream => true;

    private readonly object _gate = new();
    private readonly TaskCompletionSource<FileEntry> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _credited = NewSignal();
    private long _credit;

    public Task<FileEntry> Result => _result.Task;
    /// <summary>Set by the sender once the end frame is queued.</summary>
    public bool EndSent { get; set; }

    protected override bool OnFrame(RunnerFrameType type, byte[] payload)
    {
        switch (type)
        {
            case RunnerFrameType.WriteCredit:
                ClearDeadline();
                var n = RunnerPayloads.Credit(payload);
                TaskCompletionSource wake;
                lock (_gate)
                {
                    _credit += n;
                    wake = _credited;
                    _credited = NewSignal();
                }
                wake.TrySetResult();
                return false;
            case RunnerFrameType.Reply:
                if (!EndSent) throw Unexpected("an answer before the file was complete");
                ClearDeadline();
                _result.TrySetResult(RunnerPayloads.Entry(payload, "the entry of a written file"));
                return true;
            default:
                throw Unexpected(type);
        }
    }

    /// <summary>Takes up to <paramref name="max"/> bytes of credit, waiting for some if there is none.
    /// Returns 0 when the request has ended (its result says why).</summary>
    public async Task<int> TakeCreditAsync(int max, CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_result.Task.IsCompleted) return 0;
                if (_credit > 0)
                {
                    var take = (int)Math.Min(max, _credit);
                    _credit -= take;
                    return take;
                }
                wait = _credited.Task;
            }
            // the runner grants more as it writes what it has; a runner that stops is given up on
            StartDeadline(creditDeadline);
            await Task.WhenAny(wait, _result.Task).WaitAsync(ct);
        }
    }

    /// <summary>Credit taken but not used (the content had fewer bytes).</summary>
    public void GiveBack(int unused)
    {
        lock (_gate) _credit += unused;
    }

    protected override Exception MapError(string kind, string detail) => RunnerPayloads.FileError(kind, detail);

    public override void Fail(Exception reason)
    {
        ClearDeadline();
        _result.TrySetException(reason);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
