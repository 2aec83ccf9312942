using System.Text;

namespace Sandbox.Core.Execution;

/// <summary>
/// Turns a stream of byte chunks into text without losing a character that straddles two chunks:
/// the bytes of an incomplete trailing UTF-8 sequence are carried into the next chunk. Immutable,
/// so a log can hold one per stream. Invalid sequences become U+FFFD, as a stateful decoder would.
/// </summary>
public sealed record Utf8Carry(byte[] Pending)
{
    public static readonly Utf8Carry Empty = new([]);

    private static readonly Encoding Utf8 = new UTF8Encoding(false, throwOnInvalidBytes: false);

    /// <summary>The text of <paramref name="bytes"/> (after what was carried) up to the last complete
    /// character, and what to carry; with <paramref name="flush"/> nothing is carried.</summary>
    public (string Text, Utf8Carry Next) Decode(ReadOnlySpan<byte> bytes, bool flush = false)
    {
        byte[] all;
        if (Pending.Length == 0) all = bytes.ToArray();
        else
        {
            all = new byte[Pending.Length + bytes.Length];
            Pending.CopyTo(all, 0);
            bytes.CopyTo(all.AsSpan(Pending.Length));
        }
        var complete = flush ? all.Length : CompleteLength(all);
        var text = complete == 0 ? "" : Utf8.GetString(all, 0, complete);
        var rest = complete == all.Length ? Empty : new Utf8Carry(all[complete..]);
        return (text, rest);
    }

    /// <summary>How many leading bytes form whole characters: a lead byte in the last three bytes
    /// whose sequence runs past the end starts what is carried.</summary>
    private static int CompleteLength(byte[] b)
    {
        for (var back = 1; back <= Math.Min(3, b.Length); back++)
        {
            var x = b[^back];
            if ((x & 0xC0) == 0x80) continue;          // a continuation byte: keep looking for its lead
            var need = (x & 0xE0) == 0xC0 ? 2 : (x & 0xF0) == 0xE0 ? 3 : (x & 0xF8) == 0xF0 ? 4 : 1;
            return need > back ? b.Length - back : b.Length;
        }
        return b.Length;   // only continuation bytes at the end: invalid anyway, decode as is
    }

    public bool Equals(Utf8Carry? other) => other is not null && Pending.AsSpan().SequenceEqual(other.Pending);
    public override int GetHashCode() => Pending.Length;
}
