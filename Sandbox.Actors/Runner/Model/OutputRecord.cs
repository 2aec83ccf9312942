namespace Sandbox.Actors.Runner;

/// <summary>A record of <see cref="RunnerConnection.ReadOutputAsync"/>.</summary>
public abstract record OutputRecord(long Offset);

/// <summary>Bytes of the log from <paramref name="Offset"/>; they never end inside a UTF-8 sequence
/// unless the program wrote invalid UTF-8.</summary>
public sealed record OutputChunk(OutputStream Stream, long Offset, byte[] Bytes) : OutputRecord(Offset)
{
    public long End => Offset + Bytes.Length;
}

/// <summary>The bytes from <paramref name="Offset"/> to Offset + DroppedBytes are no longer kept.</summary>
public sealed record OutputGap(long Offset, long DroppedBytes) : OutputRecord(Offset);

/// <summary>The process ended at <paramref name="Offset"/>; the last record of a read.</summary>
public sealed record OutputExit(long Offset, ExitStatus Status) : OutputRecord(Offset);
