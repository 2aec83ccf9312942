using System.Threading.Channels;

namespace Sandbox.Actors.Runner;

/// <summary>A file read: its entry first, then data within credit (never past the size the entry
/// gave), then an end whose byte count matches what came.</summary>
internal sealed class FileReadRequest(RunnerConnection connection, uint channel, string path, long window, TimeSpan progressDeadline)
    : RunnerRequest(connection, channel, "a file read")
{
    protected override bool IsStream => true;

    private readonly TaskCompletionSource<FileEntry> _head = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<byte[]> _data = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private FileEntry? _entry;
    private long _received;

    public string Path { get; } = path;
    public StreamCredit Credit { get; } = new(window);
    public Task<FileEntry> Head => _head.Task;
    public ChannelReader<byte[]> Data => _data.Reader;
    public bool Ended { get; private set; }

    protected override bool OnFrame(RunnerFrameType type, byte[] payload)
    {
        switch (type)
        {
            case RunnerFrameType.Head when _entry is null:
                ClearDeadline();
                _entry = RunnerPayloads.Entry(payload, "the entry of a file read");
                if (_entry.Type != FileEntryType.File) throw Unexpected("an entry that is not a regular file");
                _head.TrySetResult(_entry);
                Expect();
                return false;
            case RunnerFrameType.FileData when _entry is not null:
                if (payload.Length == 0) throw Unexpected("an empty data frame");
                if (!Credit.TryUse(payload.Length)) throw Unexpected("file data beyond the credit it was granted");
                _received += payload.Length;
                if (_received > _entry.Size) throw Unexpected($"more than the {_entry.Size} bytes the file has");
                if (!Cancelled) _data.Writer.TryWrite(payload);
                Expect();
                return false;
            case RunnerFrameType.StreamEnd when _entry is not null:
                var bytes = RunnerJson.Long(RunnerJson.Parse(payload, "the end of a file read"), "bytes", "the end of a file read", 0);
                if (bytes != _received) throw Unexpected($"an end claiming {bytes} bytes after {_received}");
                Finish(bytes == _entry.Size ? null : new IOException($"{Path} changed while it was read: {bytes} of {_entry.Size} bytes"));
                return true;
            default:
                throw Unexpected(type);
        }
    }

    /// <summary>While the runner holds credit and bytes are missing, the next frame must come
    /// within the deadline; a reader that has taken nothing owes the runner nothing to wait for.</summary>
    public void Expect()
    {
        if (!Ended && _entry is not null && _received < _entry.Size && Credit.Outstanding > 0) StartDeadline(progressDeadline);
        else ClearDeadline();
    }

    private void Finish(Exception? error)
    {
        ClearDeadline();
        Ended = true;
        _data.Writer.TryComplete(error);
    }

    protected override Exception MapError(string kind, string detail) => RunnerPayloads.FileError(kind, detail);

    public override void Fail(Exception reason)
    {
        ClearDeadline();
        _head.TrySetException(reason);
        Finish(reason);
    }
}
