namespace Sandbox.Actors.Runner;

/// <summary>
/// One open request channel: what the runner may send on it, in which order and how much. Every
/// inbound frame of its channel goes through <see cref="Accept"/> on the connection's read loop;
/// anything out of place throws <see cref="RunnerProtocolException"/> and ends the connection.
/// </summary>
internal abstract class RunnerRequest
{
    private Timer? _deadline;

    protected RunnerRequest(RunnerConnection connection, uint channel, string what)
    {
        Connection = connection;
        ChannelId = channel;
        What = what;
    }

    protected RunnerConnection Connection { get; }
    public uint ChannelId { get; }
    /// <summary>How the request is named in sentences ("a ping", "a file read").</summary>
    public string What { get; }
    /// <summary>The host gave the request up; frames may still cross until the runner ends it.</summary>
    public bool Cancelled { get; private set; }

    /// <summary>Handles one frame; true when it ended the channel.</summary>
    public bool Accept(RunnerFrameType type, byte[] payload)
    {
        if (type == RunnerFrameType.Error)
        {
            ClearDeadline();
            var (kind, detail) = RunnerPayloads.Error(payload);
            if (kind == "cancelled")
            {
                if (!Cancelled) throw Unexpected("a cancellation it was never asked for");
                Fail(new OperationCanceledException(detail));
            }
            else
            {
                Fail(MapError(kind, detail));
            }
            return true;
        }
        return OnFrame(type, payload);
    }

    protected abstract bool OnFrame(RunnerFrameType type, byte[] payload);

    /// <summary>The typed exception for an error the runner reported (unknown kinds are violations).</summary>
    protected abstract Exception MapError(string kind, string detail);

    /// <summary>The request failed or the connection ended: wake whoever waits.</summary>
    public abstract void Fail(Exception reason);

    protected RunnerProtocolException Unexpected(string what) =>
        new($"the sandbox runner sent {what} on {What} (channel 0x{ChannelId:X8})");

    protected RunnerProtocolException Unexpected(RunnerFrameType type) =>
        Unexpected($"{RunnerFrame.Named(type)}");

    /// <summary>A stream (file read or write, listing): given up, it is cancelled on the runner too.</summary>
    protected virtual bool IsStream => false;

    /// <summary>Marks the request given up and tells the runner, which ends it (stream requests).</summary>
    public void Cancel()
    {
        if (Cancelled) return;
        Cancelled = true;
        Connection.SendCancel(ChannelId);
    }

    /// <summary>Marks the request given up without telling the runner (it answers anyway, soon).</summary>
    public void Abandon() => Cancelled = true;

    /// <summary>The runner should send its next frame on this channel within <paramref name="timeout"/>;
    /// if it does not, the request fails with a <see cref="TimeoutException"/> (a busy sandbox is slow,
    /// not broken) and stays open, so that its late answer is taken and dropped.</summary>
    public void StartDeadline(TimeSpan timeout)
    {
        Timer? timer = null;
        timer = new Timer(_ =>
        {
            // only the latest deadline counts (a consumer and the read loop both restart it)
            if (Interlocked.CompareExchange(ref _deadline, null, timer) != timer) return;
            timer!.Dispose();
            if (IsStream) Cancel();   // the runner stops sending, and ends the channel
            else Abandon();
            Fail(new TimeoutException($"the sandbox runner did not answer {What} within {timeout.TotalSeconds:0.#} s"));
            Connection.Unanswered(this);
        }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Interlocked.Exchange(ref _deadline, timer)?.Dispose();
        timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    public void ClearDeadline()
    {
        Interlocked.Exchange(ref _deadline, null)?.Dispose();
    }
}
