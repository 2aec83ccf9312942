using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Sandbox.Actors.Network;

/// <summary>An IPv4 range in CIDR form. Sandboxes have IPv4 only (their IPv6 is dropped at the host),
/// so policies and options are IPv4.</summary>
public readonly record struct Ipv4Cidr
{
    public uint Network { get; }
    public int PrefixLength { get; }

    public Ipv4Cidr(uint network, int prefixLength)
    {
        if (prefixLength is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(prefixLength));
        PrefixLength = prefixLength;
        Network = network & MaskOf(prefixLength);
    }

    public uint Mask => MaskOf(PrefixLength);
    public uint First => Network;
    public uint Last => Network | ~Mask;
    public ulong Size => 1UL << (32 - PrefixLength);

    public bool Contains(uint address) => (address & Mask) == Network;
    public bool Contains(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork && Contains(ToUInt32(address));
    public bool Overlaps(Ipv4Cidr other) => Contains(other.Network) || other.Contains(Network);

    public override string ToString() => $"{FromUInt32(Network)}/{PrefixLength}";

    /// <summary>Parses <c>a.b.c.d/n</c> or a bare address (a /32). Refuses host bits outside the prefix
    /// (<c>10.0.0.1/8</c> is more likely a typo than a wish for all of 10/8) and IPv6.</summary>
    public static bool TryParse(string? text, out Ipv4Cidr cidr, out string? why)
    {
        cidr = default;
        why = null;
        if (string.IsNullOrWhiteSpace(text)) { why = "empty"; return false; }
        var s = text.Trim();
        var slash = s.IndexOf('/');
        var addressPart = slash < 0 ? s : s[..slash];
        var prefix = 32;
        if (slash >= 0 && (!int.TryParse(s[(slash + 1)..], System.Globalization.NumberStyles.None, null, out prefix) || prefix > 32))
        {
            why = "the prefix length must be 0 to 32";
            return false;
        }
        if (!IsDottedQuad(addressPart) || !IPAddress.TryParse(addressPart, out var address))
        {
            why = addressPart.Contains(':') ? "IPv6 is not supported (sandboxes have IPv4 only)" : "not an IPv4 address";
            return false;
        }
        var value = ToUInt32(address);
        var candidate = new Ipv4Cidr(value, prefix);
        if (candidate.Network != value)
        {
            why = $"host bits set (did you mean {candidate}?)";
            return false;
        }
        cidr = candidate;
        return true;
    }

    public static Ipv4Cidr Parse(string text) =>
        TryParse(text, out var c, out var why) ? c : throw new FormatException($"'{text}' is not an IPv4 CIDR: {why}");

    public static Ipv4Cidr Single(uint address) => new(address, 32);
    public static Ipv4Cidr Single(IPAddress address) => new(ToUInt32(address), 32);

    // IPAddress.TryParse also takes "10", "10.1" and hex forms; policies take only four decimal parts.
    private static bool IsDottedQuad(string s)
    {
        var parts = s.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p) <= 255);
    }

    public static uint MaskOf(int prefixLength) => prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);
    public static uint ToUInt32(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
    public static IPAddress FromUInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
