using System.Buffers.Binary;

namespace Sandbox.Actors.Runner;

/// <summary>
/// The frame codec of runner protocol v2. Header: type (1 byte), channel (uint32 LE), length
/// (uint32 LE), then the payload. Channel 0 is the connection itself, 1..0x7FFFFFFF are processes
/// (ids the runner assigns), 0x80000000 and up are requests the host opens.
/// </summary>
public static class RunnerFrame
{
    public const int HeaderSize = 9;
    public const uint MaxProcessChannel = 0x7FFF_FFFF;
    public const uint FirstRequestChannel = 0x8000_0000;
    /// <summary>Bytes of the fixed part of an output record: stream (1) and offset (8).</summary>
    public const int OutputRecordHeader = 9;
    public const int GapRecordSize = 16;

    public static bool IsProcessChannel(uint channel) => channel is >= 1 and <= MaxProcessChannel;
    public static bool IsRequestChannel(uint channel) => channel >= FirstRequestChannel;

    /// <summary>Whether the runner may send this type at all (anything else is a violation at once).</summary>
    public static bool IsInbound(byte type) => type is (byte)RunnerFrameType.Ready or (byte)RunnerFrameType.Reply
        or (byte)RunnerFrameType.Error or (byte)RunnerFrameType.Head or (byte)RunnerFrameType.FileData
        or (byte)RunnerFrameType.StreamEnd or (byte)RunnerFrameType.WriteCredit or (byte)RunnerFrameType.Output
        or (byte)RunnerFrameType.Gap or (byte)RunnerFrameType.Exit or (byte)RunnerFrameType.Entries
        or (byte)RunnerFrameType.Change;

    public static byte[] Encode(RunnerFrameType type, uint channel, ReadOnlySpan<byte> payload)
    {
        var buf = new byte[HeaderSize + payload.Length];
        WriteHeader(buf, type, channel, payload.Length);
        payload.CopyTo(buf.AsSpan(HeaderSize));
        return buf;
    }

    /// <summary>A frame whose payload starts with a uint32 (credit, or the process id of stdin).</summary>
    public static byte[] Encode(RunnerFrameType type, uint channel, uint first, ReadOnlySpan<byte> rest = default)
    {
        var buf = new byte[HeaderSize + 4 + rest.Length];
        WriteHeader(buf, type, channel, 4 + rest.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(HeaderSize), first);
        rest.CopyTo(buf.AsSpan(HeaderSize + 4));
        return buf;
    }

    public static void WriteHeader(Span<byte> into, RunnerFrameType type, uint channel, int length)
    {
        into[0] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(into[1..], channel);
        BinaryPrimitives.WriteUInt32LittleEndian(into[5..], (uint)length);
    }

    /// <summary>How a frame type is named in a violation's sentence.</summary>
    public static string Describe(byte type) =>
        type is >= 0x21 and <= 0x7E ? $"'{(char)type}' (0x{type:X2})" : $"0x{type:X2}";

    /// <summary>"a reply frame", "an output frame", …</summary>
    public static string Named(RunnerFrameType type)
    {
        var name = Describe(type);
        return (name[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an " : "a ") + name + " frame";
    }

    public static string Describe(RunnerFrameType type) => type switch
    {
        RunnerFrameType.Ready => "ready",
        RunnerFrameType.Reply => "reply",
        RunnerFrameType.Error => "error",
        RunnerFrameType.Head => "head",
        RunnerFrameType.FileData => "file data",
        RunnerFrameType.StreamEnd => "end",
        RunnerFrameType.WriteCredit => "credit",
        RunnerFrameType.Output => "output",
        RunnerFrameType.Gap => "gap",
        RunnerFrameType.Exit => "exit",
        RunnerFrameType.Entries => "entries",
        RunnerFrameType.Change => "change",
        _ => Describe((byte)type),
    };
}
