using System.Text;
using Sandbox.Gateway.Api.Rest.Wire;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// Turns output records into the lines of …/output. In text mode a multi-byte UTF-8 character that
/// a chunk boundary split is carried into the next chunk of the same stream (that line then starts
/// at the carried byte's offset), so text is never mangled by where the runner cut it; bytes that
/// are not UTF-8 become U+FFFD. In base64 mode every record is passed as it is.
/// </summary>
public sealed class OutputLineEncoder(bool base64)
{
    private string? _pendingStream;
    private long _pendingOffset;
    private byte[] _pending = [];

    public IEnumerable<OutputLine> Encode(OutputRecord r)
    {
        var isData = r.Bytes is not null && r.Stream is not ("exit" or "gap");
        if (!isData)
        {
            foreach (var l in Flush()) yield return l;
            yield return new OutputLine(r.Stream, r.Offset) { ExitCode = r.ExitCode, Signal = r.Signal, DroppedBytes = r.DroppedBytes, TimedOut = r.TimedOut ? true : null };
            yield break;
        }
        if (base64)
        {
            yield return new OutputLine(r.Stream, r.Offset) { DataB64 = Convert.ToBase64String(r.Bytes!) };
            yield break;
        }
        byte[] bytes;
        long start;
        if (_pendingStream == r.Stream && _pendingOffset + _pending.Length == r.Offset)
        {
            bytes = [.. _pending, .. r.Bytes!];
            start = _pendingOffset;
        }
        else
        {
            foreach (var l in Flush()) yield return l;
            bytes = r.Bytes!;
            start = r.Offset;
        }
        _pendingStream = null;
        _pending = [];
        var complete = CompleteLength(bytes);
        if (complete > 0) yield return new OutputLine(r.Stream, start) { Data = Encoding.UTF8.GetString(bytes, 0, complete) };
        if (complete < bytes.Length)
        {
            _pendingStream = r.Stream;
            _pendingOffset = start + complete;
            _pending = bytes[complete..];
        }
    }

    /// <summary>Whatever is still carried, as replacement text (the stream ended in the middle of a character).</summary>
    public IEnumerable<OutputLine> Flush()
    {
        if (_pendingStream is null) yield break;
        var line = new OutputLine(_pendingStream, _pendingOffset) { Data = Encoding.UTF8.GetString(_pending) };
        _pendingStream = null;
        _pending = [];
        yield return line;
    }

    /// <summary>The length of <paramref name="b"/> without a trailing multi-byte sequence that is not finished yet.</summary>
    public static int CompleteLength(ReadOnlySpan<byte> b)
    {
        var i = b.Length - 1;
        var continuation = 0;
        while (i >= 0 && continuation < 3 && (b[i] & 0xC0) == 0x80) { i--; continuation++; }
        if (i < 0) return b.Length;
        var lead = b[i];
        var need = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 1;
        return need > 1 && continuation + 1 < need ? i : b.Length;
    }
}
