using System.Buffers.Binary;
using System.Threading.Channels;

namespace Sandbox.Actors.Runner;

/// <summary>
/// The processes this connection knows (started through it, or running when a restored runner was
/// revived) and the rules for their channels: only a block process pushes output, only within the
/// credit the host granted, at contiguous offsets; every process exits once and is silent after.
/// </summary>
internal sealed class RunnerProcessTable(ChannelWriter<RunnerEvent> events, Action<byte[]> send)
{
    private sealed class Known(OutputPolicy policy, long credit, long next)
    {
        public OutputPolicy Policy { get; } = policy;
        public long Credit { get; set; } = credit;
        public long Next { get; set; } = next;
    }

    private readonly object _gate = new();
    private readonly Dictionary<uint, Known> _known = [];
    private uint _highest;

    /// <summary>A process the runner says it started: ids are new and only go up.</summary>
    public void Started(uint id, int pid, OutputPolicy policy, long credit, string? tag)
    {
        lock (_gate)
        {
            if (!RunnerFrame.IsProcessChannel(id) || id <= _highest)
                throw new RunnerProtocolException($"the sandbox runner started a process with id {id}, which is not new");
            _highest = id;
            _known[id] = new Known(policy, policy == OutputPolicy.Block ? credit : 0, 0);
        }
        events.TryWrite(new ProcessStarted(id, pid, policy, tag));
    }

    /// <summary>A process that was running when the revived runner was checkpointed.</summary>
    public void Restored(RunningProcess p)
    {
        lock (_gate)
        {
            if (!RunnerFrame.IsProcessChannel(p.ProcessId) || _known.ContainsKey(p.ProcessId))
                throw new RunnerProtocolException($"the sandbox runner revived with a bad or repeated process id {p.ProcessId}");
            _highest = Math.Max(_highest, p.ProcessId);
            _known[p.ProcessId] = new Known(p.Policy, p.Credit, p.OutputEnd);
        }
    }

    /// <summary>Lets a block process push <paramref name="bytes"/> more output.</summary>
    public void Grant(uint id, long bytes)
    {
        if (bytes <= 0) return;
        lock (_gate)
        {
            if (!_known.TryGetValue(id, out var p) || p.Policy != OutputPolicy.Block) return;
            p.Credit += bytes;
            while (bytes > 0)
            {
                var n = (uint)Math.Min(bytes, uint.MaxValue);
                send(RunnerFrame.Encode(RunnerFrameType.Credit, id, n));
                bytes -= n;
            }
        }
    }

    public void Accept(RunnerFrameType type, uint id, byte[] payload)
    {
        RunnerEvent e;
        lock (_gate)
        {
            if (!_known.TryGetValue(id, out var p))
                throw new RunnerProtocolException(id <= _highest
                    ? $"the sandbox runner sent {RunnerFrame.Named(type)} for process {id}, which has exited"
                    : $"the sandbox runner sent {RunnerFrame.Named(type)} for process {id}, which it never started");
            switch (type)
            {
                case RunnerFrameType.Output:
                    if (p.Policy != OutputPolicy.Block)
                        throw new RunnerProtocolException($"the sandbox runner pushed output of process {id}, which keeps its output");
                    if (payload.Length <= RunnerFrame.OutputRecordHeader)
                        throw new RunnerProtocolException($"the sandbox runner sent an empty output frame for process {id}");
                    var stream = RunnerPayloads.Stream(payload[0]);
                    var offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(1));
                    var bytes = payload.AsSpan(RunnerFrame.OutputRecordHeader).ToArray();
                    if (offset != p.Next)
                        throw new RunnerProtocolException($"the sandbox runner sent output of process {id} at offset {offset} where {p.Next} was next");
                    if (bytes.Length > p.Credit)
                        throw new RunnerProtocolException($"the sandbox runner sent {bytes.Length} bytes of output for process {id} beyond the {p.Credit} it was granted");
                    p.Credit -= bytes.Length;
                    p.Next += bytes.Length;
                    e = new ProcessOutput(id, stream, offset, bytes);
                    break;
                case RunnerFrameType.Exit:
                    var status = RunnerPayloads.Exit(payload);
                    if (p.Policy == OutputPolicy.Block && status.Offset != p.Next)
                        throw new RunnerProtocolException($"the sandbox runner said process {id} ended at offset {status.Offset} after pushing {p.Next} bytes");
                    _known.Remove(id);
                    e = new ProcessExited(id, status);
                    break;
                default:
                    throw new RunnerProtocolException($"the sandbox runner sent {RunnerFrame.Named(type)} on the channel of process {id}");
            }
        }
        events.TryWrite(e);
    }
}
