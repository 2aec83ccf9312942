namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>One line of …/processes/{pid}/output (application/x-ndjson) and of the terminal's text frames.</summary>
/// <param name="Stream">stdout, stderr, pty, exit (the process ended) or gap (older output was dropped).</param>
/// <param name="Offset">Byte position of this chunk in the process's combined output log; resume from offset + its length in bytes.</param>
public sealed record OutputLine(string Stream, long Offset)
{
    /// <summary>The chunk as UTF-8 text (invalid sequences replaced).</summary>
    public string? Data { get; init; }
    /// <summary>The chunk's bytes in base64 (with ?encoding=base64).</summary>
    public string? DataB64 { get; init; }
    /// <summary>With stream exit: the exit status.</summary>
    public int? ExitCode { get; init; }
    /// <summary>With stream exit: the signal that ended the process, if one did.</summary>
    public string? Signal { get; init; }
    /// <summary>With stream exit: true when its timeout_seconds ended it (absent otherwise).</summary>
    public bool? TimedOut { get; init; }
    /// <summary>With stream gap: how many bytes before this offset are no longer kept.</summary>
    public long? DroppedBytes { get; init; }
}
