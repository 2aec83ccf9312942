using System.Buffers.Binary;
using System.Threading.Channels;

namespace Sandbox.Actors.Runner;

/// <summary>
/// An output read of one process from an offset: chunks and gaps within credit, offsets that only
/// go forward without holes, then the exit (or, without follow, the end of what exists).
/// </summary>
internal sealed class OutputReadRequest(RunnerConnection connection, uint channel, uint processId, long window)
    : RunnerRequest(connection, channel, $"an output read of process {processId}")
{
    private readonly Channel<(OutputRecord Record, long Cost)> _records = Channel.CreateUnbounded<(OutputRecord, long)>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private long? _next;

    public StreamCredit Credit { get; } = new(window);
    public ChannelReader<(OutputRecord Record, long Cost)> Records => _records.Reader;
    public bool Ended { get; private set; }

    protected override bool OnFrame(RunnerFrameType type, byte[] payload)
    {
        switch (type)
        {
            case RunnerFrameType.Output:
            {
                if (payload.Length <= RunnerFrame.OutputRecordHeader) throw Unexpected("an empty output record");
                var stream = RunnerPayloads.Stream(payload[0]);
                var offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(1));
                var bytes = payload.AsSpan(RunnerFrame.OutputRecordHeader).ToArray();
                Follow(offset, bytes.Length, bytes.Length, "an output record");
                Deliver(new OutputChunk(stream, offset, bytes), bytes.Length);
                return false;
            }
            case RunnerFrameType.Gap:
            {
                if (payload.Length != RunnerFrame.GapRecordSize) throw Unexpected("a gap record of the wrong size");
                var offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(payload);
                var dropped = (long)BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(8));
                if (dropped <= 0 || offset < 0 || dropped > long.MaxValue / 2) throw Unexpected("a gap of no bytes");
                Follow(offset, dropped, RunnerFrame.GapRecordSize, "a gap record");
                Deliver(new OutputGap(offset, dropped), RunnerFrame.GapRecordSize);
                return false;
            }
            case RunnerFrameType.Exit:
            {
                var status = RunnerPayloads.Exit(payload);
                if (_next is { } n && status.Offset != n) throw Unexpected($"an exit at offset {status.Offset} after output up to {n}");
                Deliver(new OutputExit(status.Offset, status), 0);
                Finish(null);
                return true;
            }
            case RunnerFrameType.StreamEnd:
            {
                var end = RunnerJson.Long(RunnerJson.Parse(payload, $"the end of {What}"), "offset", $"the end of {What}", 0);
                if (_next is { } n && end != n) throw Unexpected($"an end at offset {end} after output up to {n}");
                Finish(null);
                return true;
            }
            default:
                throw Unexpected(type);
        }
    }

    private void Follow(long offset, long length, long cost, string what)
    {
        if (offset < 0 || (_next is { } n && offset != n)) throw Unexpected($"{what} at offset {offset} where {_next} was next");
        if (!Credit.TryUse(cost))
            throw Unexpected($"{what} beyond the credit it was granted");
        _next = offset + length;
    }

    private void Deliver(OutputRecord record, long cost)
    {
        if (!Cancelled) _records.Writer.TryWrite((record, cost));
    }

    private void Finish(Exception? error)
    {
        Ended = true;
        _records.Writer.TryComplete(error);
    }

    protected override Exception MapError(string kind, string detail) => RunnerPayloads.ProcessError(kind, detail);

    public override void Fail(Exception reason) => Finish(reason);
}
