using System.Buffers.Binary;
using Akka.IO;

namespace Sandbox.Actors.Runner;

/// <summary>
/// One frame of the host ↔ resident-runner protocol (see sandbox_runner.py): a one-letter type,
/// the execution id it concerns, and a payload. Header: type (1 byte), id (uint32 LE), length (uint32 LE).
/// </summary>
public readonly record struct RunnerFrame(RunnerFrameType Type, uint ExecId, ByteString Payload)
{
    public const int HeaderSize = 9;
    /// <summary>The runner reads at most 32 KiB of program output per frame; control frames are tiny.
    /// Anything bigger means the stream is corrupt.</summary>
    public const int MaxFrameSize = HeaderSize + 1024 * 1024;

    public static RunnerFrame Parse(ByteString frame)
    {
        var bytes = frame.ToArray();
        var type = (RunnerFrameType)bytes[0];
        var id = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(1, 4));
        var payload = bytes.Length > HeaderSize ? ByteString.FromBytes(bytes, HeaderSize, bytes.Length - HeaderSize) : ByteString.Empty;
        return new RunnerFrame(type, id, payload);
    }

    public static byte[] Encode(RunnerFrameType type, uint execId, ReadOnlySpan<byte> payload)
    {
        var buf = new byte[HeaderSize + payload.Length];
        buf[0] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(1, 4), execId);
        BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(5, 4), (uint)payload.Length);
        payload.CopyTo(buf.AsSpan(HeaderSize));
        return buf;
    }
}

public enum RunnerFrameType : byte
{
    // host -> runner
    Exec = (byte)'X',
    Stdin = (byte)'I',
    StdinEof = (byte)'D',
    Kill = (byte)'K',
    Sync = (byte)'S',
    Resume = (byte)'U',
    Ping = (byte)'P',
    // runner -> host
    Ready = (byte)'R',
    Begun = (byte)'B',
    FailedToStart = (byte)'F',
    Stdout = (byte)'O',
    Stderr = (byte)'E',
    Exited = (byte)'Z',
    Synced = (byte)'Y',
    Pong = (byte)'p',
}
