using System.Text;
using static Sandbox.Actors.Sandboxes.SandboxProtocol;

namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// The client-visible stream of one execution: output chunks and terminal statuses, each numbered,
/// kept until the attached session acknowledges that it wrote them to its client. That log is what a
/// <c>reconnect</c> replays (nothing lost, nothing twice) and its size is what throttles the program:
/// past the window the sandbox stops reading the runner, so memory stays bounded.
/// </summary>
public sealed class ExecutionStream(uint execId)
{
    private readonly Decoder _stdout = new UTF8Encoding(false).GetDecoder();
    private readonly Decoder _stderr = new UTF8Encoding(false).GetDecoder();
    private readonly LinkedList<(ExecutionEvent Event, int Bytes)> _unacked = new();

    public uint ExecId { get; } = execId;
    /// <summary>The program has exited and DONE is in the log.</summary>
    public bool Finished { get; private set; }
    public bool Killed { get; set; }
    public long UnackedBytes { get; private set; }
    /// <summary>Bytes of output the program has produced so far.</summary>
    public long OutputBytes { get; private set; }
    /// <summary>Everything, DONE included, reached the client.</summary>
    public bool FullyDelivered => Finished && _unacked.Count == 0;
    public IEnumerable<ExecutionEvent> Unacked => _unacked.Select(u => u.Event);

    /// <summary>Decodes a chunk with a stateful UTF-8 decoder per stream, so a character split across
    /// reads is not lost. Returns null when the bytes completed no character yet.</summary>
    public ExecutionEvent? AddOutput(ref long seq, bool stderr, ReadOnlySpan<byte> bytes, bool flush = false)
    {
        OutputBytes += bytes.Length;
        var decoder = stderr ? _stderr : _stdout;
        var chars = new char[decoder.GetCharCount(bytes, flush)];
        var n = decoder.GetChars(bytes, chars, flush);
        if (n == 0) return null;
        return Append(new ExecutionEvent(++seq, stderr ? ExecutionEventKind.Stderr : ExecutionEventKind.Stdout, new string(chars, 0, n)), bytes.Length);
    }

    public ExecutionEvent AddStatus(ref long seq, string status) =>
        Append(new ExecutionEvent(++seq, ExecutionEventKind.Status, status), 0);

    /// <summary>The program exited: flush half characters, then DONE.</summary>
    public IEnumerable<ExecutionEvent> Finish(ref long seq)
    {
        var tail = new List<ExecutionEvent>(3);
        if (AddOutput(ref seq, false, ReadOnlySpan<byte>.Empty, flush: true) is { } o) tail.Add(o);
        if (AddOutput(ref seq, true, ReadOnlySpan<byte>.Empty, flush: true) is { } e) tail.Add(e);
        tail.Add(AddStatus(ref seq, SandboxStatus.ExecutionDone));
        Finished = true;
        return tail;
    }

    public void Ack(long seq)
    {
        while (_unacked.First is { } first && first.Value.Event.Seq <= seq)
        {
            UnackedBytes -= first.Value.Bytes;
            _unacked.RemoveFirst();
        }
    }

    /// <summary>The host's half of this execution, to carry across a checkpoint.</summary>
    public (bool Killed, bool Finished, IReadOnlyList<ExecutionEvent> Unacked) Export() => (Killed, Finished, Unacked.ToList());

    /// <summary>Continues an execution that was running when its sandbox was checkpointed.</summary>
    public static ExecutionStream Resume(ExecutionCarryOver c)
    {
        var s = new ExecutionStream(c.ExecId) { Killed = c.Killed, Finished = c.Finished };
        foreach (var e in c.Unacked) s.Append(e, e.Kind == ExecutionEventKind.Status ? 0 : System.Text.Encoding.UTF8.GetByteCount(e.Data));
        return s;
    }

    private ExecutionEvent Append(ExecutionEvent e, int bytes)
    {
        _unacked.AddLast((e, bytes));
        UnackedBytes += bytes;
        return e;
    }
}
