namespace Sandbox.Gateway.Api;

/// <summary>
/// One line of GET …/processes/{pid}/output (API-v1.md §4). <see cref="Offset"/> is the byte position
/// in the process's combined output; <see cref="Stream"/> is <c>stdout</c>, <c>stderr</c>, <c>pty</c>,
/// <c>exit</c> (with <see cref="ExitCode"/>/<see cref="Signal"/>) or <c>gap</c> (with <see cref="DroppedBytes"/>).
/// </summary>
public sealed record OutputRecord(string Stream, long Offset, byte[]? Bytes = null)
{
    public int? ExitCode { get; init; }
    public string? Signal { get; init; }
    public long? DroppedBytes { get; init; }
    /// <summary>With <c>exit</c>: the process's timeout ended it.</summary>
    public bool TimedOut { get; init; }
    /// <summary>The offset just past this record: where to resume from after a dropped connection.</summary>
    public long End => Offset + (Bytes?.Length ?? 0);
}
