namespace Sandbox.Gateway.Sessions;

/// <summary>
/// What a session still owes its client: frames read but not yet handled by the session, plus
/// answers queued and not yet written (execution output is not counted: the sandbox's
/// acknowledgement window bounds it already). The connection's read loop stops reading client
/// frames while it is high, so a client that sends faster than it reads its answers is slowed down
/// by TCP instead of overflowing the session's queue. Frames count from the moment they are read:
/// counting only answers let thousands of frames wait in the session's mailbox, each with an
/// answer to come.
/// </summary>
public sealed class OutboundBacklog
{
    /// <summary>Reading pauses above this many unwritten messages (the session's queue holds 4096)...</summary>
    public const int HighWater = 1024;
    /// <summary>...and resumes once the backlog is down to this.</summary>
    public const int LowWater = 256;
    /// <summary>A client whose backlog does not drain in this long is not reading: its connection ends.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(60);

    private int _count;
    private TaskCompletionSource? _drained;
    private readonly object _lock = new();

    public int Count => Volatile.Read(ref _count);

    /// <summary>A frame was read or an answer queued.</summary>
    public void Queued() => Interlocked.Increment(ref _count);

    /// <summary>A frame was handled or an answer written.</summary>
    public void Written()
    {
        if (Interlocked.Decrement(ref _count) > LowWater) return;
        TaskCompletionSource? wake;
        lock (_lock) { wake = _drained; _drained = null; }
        wake?.TrySetResult();
    }

    /// <summary>Completes at once when the backlog is not high, otherwise once it has drained to the low mark.</summary>
    public Task WhenRoomAsync(CancellationToken ct)
    {
        if (Count <= HighWater) return Task.CompletedTask;
        lock (_lock)
        {
            if (Count <= LowWater) return Task.CompletedTask;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task.WaitAsync(MaxPause, ct);
        }
    }
}
