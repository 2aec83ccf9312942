namespace Sandbox.Core.Sandboxes;

/// <summary>What the host knew of the foreground execution when a checkpoint was taken: its number,
/// the events not yet acknowledged by a client, and the counters to continue from.</summary>
public sealed record ExecutionCarryOver(uint ExecId, uint NextExecId, long Seq, bool Killed, bool Finished, bool LastExecKilled,
    IReadOnlyList<SandboxProtocol.ExecutionEvent> Unacked) : ISandboxWireMessage
{
    public bool Equals(ExecutionCarryOver? other) =>
        other is not null && ExecId == other.ExecId && NextExecId == other.NextExecId && Seq == other.Seq && Killed == other.Killed &&
        Finished == other.Finished && LastExecKilled == other.LastExecKilled && Unacked.SequenceEqual(other.Unacked);

    public override int GetHashCode() => HashCode.Combine(ExecId, Seq, Unacked.Count);
}
