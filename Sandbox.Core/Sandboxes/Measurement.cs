namespace Sandbox.Core.Sandboxes;

/// <summary>Timed operations and counters for the node's metrics.</summary>
public abstract record Measurement
{
    public enum Operation { Create, Exec, Checkpoint, Restore }
    public sealed record Begin(Operation Op) : Measurement;
    public sealed record End(Operation Op) : Measurement;
    public sealed record Fail(Operation Op, string Status) : Measurement;
    public sealed record ErrorReported(string Status) : Measurement;
    public sealed record ExecutionStarted(string Language) : Measurement;
    public sealed record OutputStreamed(int Bytes, bool Stderr) : Measurement;
}
