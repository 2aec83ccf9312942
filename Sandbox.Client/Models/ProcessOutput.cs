using System.Text;

namespace Sandbox.Client;

/// <summary>Which part of a process's output log a chunk is.</summary>
public enum OutputStream { Stdout, Stderr, Pty, Exit, Gap }

/// <summary>
/// One chunk of a process's output: its bytes at <see cref="Offset"/> in the combined log, or the
/// exit (with <see cref="ExitCode"/>), or a gap (older output the server no longer keeps).
/// </summary>
public sealed record ProcessOutput(OutputStream Stream, long Offset, ReadOnlyMemory<byte> Data)
{
    public int? ExitCode { get; init; }
    public string? Signal { get; init; }
    public long? DroppedBytes { get; init; }
    /// <summary>Where the next chunk starts: the offset to resume from.</summary>
    public long End => Offset + Data.Length;
    /// <summary>The bytes as UTF-8 (a character split across chunks shows as U+FFFD here; decode a run of chunks together to avoid that).</summary>
    public string Text => Encoding.UTF8.GetString(Data.Span);
}
