using System.Threading.Channels;

namespace Sandbox.Actors.Runner;

/// <summary>A watch: established (head), then changes within credit until the host cancels it or
/// the watched path goes away (end).</summary>
internal sealed class WatchRequest(RunnerConnection connection, uint channel, long window)
    : RunnerRequest(connection, channel, "a watch")
{
    private readonly TaskCompletionSource _established = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<(FileChange Change, long Cost)> _changes = Channel.CreateUnbounded<(FileChange, long)>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private bool _head;

    public StreamCredit Credit { get; } = new(window);
    public Task Established => _established.Task;
    public ChannelReader<(FileChange Change, long Cost)> Changes => _changes.Reader;
    public bool Ended { get; private set; }

    protected override bool OnFrame(RunnerFrameType type, byte[] payload)
    {
        switch (type)
        {
            case RunnerFrameType.Head when !_head:
                ClearDeadline();
                _head = true;
                _established.TrySetResult();
                return false;
            case RunnerFrameType.Change when _head:
                if (!Credit.TryUse(payload.Length)) throw Unexpected("changes beyond the credit it was granted");
                const string what = "a file change";
                var o = RunnerJson.Parse(payload, what);
                var kind = RunnerJson.String(o, "type", what) switch
                {
                    "created" => FileChangeKind.Created,
                    "modified" => FileChangeKind.Modified,
                    "deleted" => FileChangeKind.Deleted,
                    "overflow" => FileChangeKind.Overflow,
                    var t => throw Unexpected($"a change of unknown type '{RunnerPayloads.Shorten(t)}'"),
                };
                var change = new FileChange(kind, RunnerJson.String(o, "path", what, 8192));
                if (!Cancelled) _changes.Writer.TryWrite((change, payload.Length));
                return false;
            case RunnerFrameType.StreamEnd when _head:
                Finish(null);
                return true;
            default:
                throw Unexpected(type);
        }
    }

    private void Finish(Exception? error)
    {
        Ended = true;
        _changes.Writer.TryComplete(error);
    }

    protected override Exception MapError(string kind, string detail) => RunnerPayloads.FileError(kind, detail);

    public override void Fail(Exception reason)
    {
        ClearDeadline();
        _established.TrySetException(reason);
        Finish(reason is OperationCanceledException ? null : reason);
    }
}
