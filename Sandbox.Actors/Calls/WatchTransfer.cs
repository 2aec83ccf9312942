using System.Threading.Channels;
using Sandbox.Actors.Runner;

namespace Sandbox.Actors.Calls;

/// <summary>A watch between polls: changes gather here (up to a bound; past it one overflow marks
/// the loss) until the client polls again.</summary>
public sealed class WatchTransfer : Transfer
{
    private const int MaxPending = 4096;
    private readonly FileWatch _watch;
    private readonly Channel<FileChange> _pending = Channel.CreateBounded<FileChange>(new BoundedChannelOptions(MaxPending) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private bool _overflowed;

    public WatchTransfer(FileWatch watch, Action<Transfer> abandoned) : base(abandoned)
    {
        _watch = watch;
        _ = Task.Run(PumpAsync);
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var c in _watch.WithCancellation(_stop.Token))
                if (!_pending.Writer.TryWrite(c)) _overflowed = true;
        }
        catch (Exception) { /* the watch ended with its runner or was disposed */ }
        finally { _pending.Writer.TryComplete(); }
    }

    /// <summary>What changed since the last poll, waiting up to <paramref name="wait"/> for a first change.</summary>
    public async Task<IReadOnlyList<FileChange>> PollAsync(TimeSpan wait, int max)
    {
        var items = new List<FileChange>();
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            if (!_pending.Reader.TryPeek(out _)) await _pending.Reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) { /* nothing changed in the wait */ }
        while (items.Count < max && _pending.Reader.TryRead(out var c)) items.Add(c);
        if (_overflowed)
        {
            _overflowed = false;
            items.Add(new FileChange(FileChangeKind.Overflow, ""));
        }
        return items;
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watch.DisposeAsync();
    }
}
