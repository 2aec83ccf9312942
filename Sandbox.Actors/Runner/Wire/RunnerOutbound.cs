using System.Threading.Channels;

namespace Sandbox.Actors.Runner;

/// <summary>
/// Frames to the runner, written in order by one pump. Control frames are queued at once; bulk
/// senders (file uploads, stdin) first wait for room, so at most <see cref="RunnerConnectionOptions.OutboundBudgetBytes"/>
/// of bulk data waits here whatever the runner grants. A runner that stops reading its input
/// while frames wait for longer than the stall bound is a fault.
/// </summary>
internal sealed class RunnerOutbound
{
    private readonly Stream _to;
    private readonly RunnerConnectionOptions _options;
    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly object _gate = new();
    private long _queuedBytes;
    private TaskCompletionSource _room = NewSignal();
    private readonly Action<string> _onStall;

    /// <param name="onStall">Called (once) when a write has waited longer than the stall bound.</param>
    public RunnerOutbound(Stream to, RunnerConnectionOptions options, Action<string> onStall)
    {
        _to = to;
        _options = options;
        _onStall = onStall;
    }

    public bool TrySend(byte[] frame)
    {
        lock (_gate) _queuedBytes += frame.Length;
        return _queue.Writer.TryWrite(frame);
    }

    /// <summary>Waits until bulk data may be queued (or the connection ends: then returns false).</summary>
    public async Task<bool> WaitForRoomAsync(CancellationToken ct)
    {
        while (true)
        {
            Task room;
            lock (_gate)
            {
                if (_queuedBytes < _options.OutboundBudgetBytes) return true;
                room = _room.Task;
            }
            if (_queue.Reader.Completion.IsCompleted) return false;
            await room.WaitAsync(ct);
        }
    }

    public void Complete()
    {
        _queue.Writer.TryComplete();
        lock (_gate) _room.TrySetResult();
    }

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(stop))
            {
                while (reader.TryRead(out var frame))
                {
                    var write = _to.WriteAsync(frame, stop).AsTask();
                    if (!write.IsCompleted && await Task.WhenAny(write, Task.Delay(_options.OutboundStallTimeout, stop)) != write)
                    {
                        _onStall($"the sandbox runner stopped reading its input for {_options.OutboundStallTimeout.TotalSeconds:0.#} s");
                        return;
                    }
                    await write;
                    Released(frame.Length);
                }
                await _to.FlushAsync(stop);
            }
        }
        catch (Exception) { /* the runner is gone or we were stopped; the connection ends by its reader */ }
        finally
        {
            Complete();
            try { _to.Close(); } catch { /* already closed */ }
        }
    }

    private void Released(int bytes)
    {
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            _queuedBytes -= bytes;
            if (_queuedBytes < _options.OutboundBudgetBytes)
            {
                wake = _room;
                _room = NewSignal();
            }
        }
        wake?.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
