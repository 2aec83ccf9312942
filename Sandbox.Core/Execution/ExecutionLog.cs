using System.Collections.Immutable;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Core.Execution;

/// <summary>
/// The client-visible stream of one execution: its statuses (RUNNING first, FORCE_KILLED, DONE
/// last) and its output, each numbered in one sequence, kept until the attached session
/// acknowledges that it wrote them to its client. That log is what a <c>reconnect</c> replays
/// (nothing lost, nothing twice) and its unacknowledged size is the backpressure window: past it
/// the sandbox stops reading the program's output, so memory stays bounded. Byte offsets count
/// the program's combined output. Immutable: every change returns a new log.
/// </summary>
public sealed record ExecutionLog
{
    public required uint ExecId { get; init; }
    /// <summary>The last sequence number handed out (sequence numbers continue across executions,
    /// so a late acknowledgement of an earlier execution never acknowledges this one).</summary>
    public required long LastSeq { get; init; }
    public ImmutableQueue<ExecutionEvent> Unacked { get; init; } = ImmutableQueue<ExecutionEvent>.Empty;
    /// <summary>Output bytes among <see cref="Unacked"/> (statuses count nothing).</summary>
    public long UnackedBytes { get; init; }
    /// <summary>Bytes of output the program has produced so far: the offset of the next byte.</summary>
    public long OutputBytes { get; init; }
    /// <summary>The program has exited and DONE is in the log.</summary>
    public bool Finished { get; init; }
    /// <summary>FORCE_KILLED is in the log (killed by its client, a limit or a handoff).</summary>
    public bool Killed { get; init; }
    /// <summary>The last sequence number given to the session; later ones are still to send.</summary>
    public long EmittedUpTo { get; init; }
    /// <summary>Events are kept but not sent until the client asks to reconnect (after an attach) or
    /// the sandbox is restored for it: what was not seen must arrive once, in order.</summary>
    public bool Held { get; init; }
    public Utf8Carry StdoutCarry { get; init; } = Utf8Carry.Empty;
    public Utf8Carry StderrCarry { get; init; } = Utf8Carry.Empty;

    /// <summary>Everything, DONE included, reached the client.</summary>
    public bool FullyDelivered => Finished && Unacked.IsEmpty;

    /// <summary>A new execution: its log starts with RUNNING.</summary>
    public static (ExecutionLog Log, ExecutionEvent Running) Begin(uint execId, long lastSeq) =>
        new ExecutionLog { ExecId = execId, LastSeq = lastSeq }.WithStatus(SandboxStatus.ExecutionRunning);

    /// <summary>Appends output of one stream, decoded up to the last complete character.</summary>
    public (ExecutionLog Log, ExecutionEvent? Chunk) WithOutput(bool stderr, ReadOnlySpan<byte> bytes)
    {
        var carry = stderr ? StderrCarry : StdoutCarry;
        var (text, next) = carry.Decode(bytes);
        var log = (stderr ? this with { StderrCarry = next } : this with { StdoutCarry = next }) with { OutputBytes = OutputBytes + bytes.Length };
        if (text.Length == 0) return (log, null);
        return log.Append(stderr ? ExecutionEventKind.Stderr : ExecutionEventKind.Stdout, text, bytes.Length);
    }

    public (ExecutionLog Log, ExecutionEvent Status) WithStatus(string status)
    {
        var (log, e) = Append(ExecutionEventKind.Status, status, 0);
        return (status == SandboxStatus.ExecutionForceKilled ? log with { Killed = true } : log, e!);
    }

    /// <summary>The program exited: the half characters still carried, then DONE.</summary>
    public (ExecutionLog Log, IReadOnlyList<ExecutionEvent> Tail) Finish()
    {
        var tail = new List<ExecutionEvent>(3);
        var log = this;
        foreach (var stderr in new[] { false, true })
        {
            var carry = stderr ? log.StderrCarry : log.StdoutCarry;
            if (carry.Pending.Length == 0) continue;
            var (text, _) = carry.Decode([], flush: true);
            log = stderr ? log with { StderrCarry = Utf8Carry.Empty } : log with { StdoutCarry = Utf8Carry.Empty };
            var (next, e) = log.Append(stderr ? ExecutionEventKind.Stderr : ExecutionEventKind.Stdout, text, 0);
            log = next;
            tail.Add(e!);
        }
        var (done, d) = log.WithStatus(SandboxStatus.ExecutionDone);
        tail.Add(d);
        return (done with { Finished = true }, tail);
    }

    /// <summary>The session wrote everything up to <paramref name="seq"/> to its client.</summary>
    public ExecutionLog Acked(long seq)
    {
        var q = Unacked;
        var bytes = UnackedBytes;
        while (!q.IsEmpty && q.Peek().Seq <= seq)
        {
            q = q.Dequeue(out var e);
            if (e.Kind != ExecutionEventKind.Status) bytes -= System.Text.Encoding.UTF8.GetByteCount(e.Data);
        }
        return ReferenceEquals(q, Unacked) ? this : this with { Unacked = q, UnackedBytes = Math.Max(0, bytes) };
    }

    /// <summary>What a <c>reconnect</c> sends: RUNNING first (the one in the log if the client never
    /// saw it), then every unacknowledged event once.</summary>
    public IReadOnlyList<ExecutionEvent> Replay()
    {
        var events = Unacked.ToList();
        if (events.Count == 0 || events[0] is not { Kind: ExecutionEventKind.Status, Data: SandboxStatus.ExecutionRunning })
            // an already acknowledged number: the client sees RUNNING, and acknowledging it again changes nothing
            events.Insert(0, new ExecutionEvent(AckedUpTo, ExecutionEventKind.Status, SandboxStatus.ExecutionRunning));
        return events;
    }

    /// <summary>Events not yet given to the session (after a checkpoint failed, or a reconnect).</summary>
    public IReadOnlyList<ExecutionEvent> NotEmitted() => Unacked.Where(e => e.Seq > EmittedUpTo).ToList();

    public ExecutionLog MarkEmitted(long seq) => seq > EmittedUpTo ? this with { EmittedUpTo = seq } : this;

    /// <summary>The sequence number every event up to which the client has acknowledged.</summary>
    public long AckedUpTo => Unacked.IsEmpty ? LastSeq : Unacked.Peek().Seq - 1;

    /// <summary>The host's half of this execution, to carry across a checkpoint.</summary>
    public ExecutionCarryOver CarryOver(uint nextExecId, bool lastExecKilled) =>
        new(ExecId, nextExecId, LastSeq, Killed, Finished, lastExecKilled, Unacked.ToList());

    /// <summary>Continues an execution that was running (or undelivered) when its sandbox was checkpointed.</summary>
    public static ExecutionLog Resume(ExecutionCarryOver c)
    {
        var bytes = c.Unacked.Where(e => e.Kind != ExecutionEventKind.Status).Sum(e => (long)System.Text.Encoding.UTF8.GetByteCount(e.Data));
        return new ExecutionLog
        {
            ExecId = c.ExecId, LastSeq = c.Seq, Unacked = ImmutableQueue.CreateRange(c.Unacked), UnackedBytes = bytes,
            Killed = c.Killed, Finished = c.Finished, EmittedUpTo = c.Unacked.Count > 0 ? c.Unacked[0].Seq - 1 : c.Seq,
        };
    }

    private (ExecutionLog, ExecutionEvent?) Append(ExecutionEventKind kind, string data, int bytes)
    {
        var e = new ExecutionEvent(LastSeq + 1, kind, data);
        var counted = kind == ExecutionEventKind.Status ? 0 : System.Text.Encoding.UTF8.GetByteCount(data);
        return (this with { LastSeq = e.Seq, Unacked = Unacked.Enqueue(e), UnackedBytes = UnackedBytes + counted }, e);
    }
}
