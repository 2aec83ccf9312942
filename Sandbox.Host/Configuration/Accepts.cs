using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Actor;

namespace Sandbox.Host.Configuration;

/// <summary>
/// The kinds of value a variable may take. Each says in words what it accepts (for the error line and
/// the README) and refuses everything else: nothing here falls back to a default.
/// </summary>
public static partial class Accepts
{
    public static Accepts<int> WholeNumber(int min, int max) =>
        new($"a whole number from {min} to {max}", text =>
            int.TryParse(text, min < 0 ? NumberStyles.AllowLeadingSign : NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? v
                : throw new RejectedValueException());

    public static Accepts<long> WholeNumber(long min, long max) =>
        new($"a whole number from {min} to {max}", text =>
            long.TryParse(text, min < 0 ? NumberStyles.AllowLeadingSign : NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? v
                : throw new RejectedValueException());

    /// <summary>A whole number, or <c>auto</c> (any case; null) for a value the node works out itself.</summary>
    public static Accepts<int?> AutoOrWholeNumber(int min, int max)
    {
        var number = WholeNumber(min, max);
        return new($"auto or {number.Description}", text =>
            string.Equals(text, "auto", StringComparison.OrdinalIgnoreCase) ? null : number.Parse(text));
    }

    /// <summary>A number with an optional decimal point (always '.', whatever the locale).</summary>
    public static Accepts<double> Number(double min, double max) =>
        new($"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (decimals allowed, e.g. 0.5)", text =>
            double.TryParse(text, NumberStyles.AllowDecimalPoint | (min < 0 ? NumberStyles.AllowLeadingSign : NumberStyles.None), CultureInfo.InvariantCulture, out var v)
            && double.IsFinite(v) && v >= min && v <= max
                ? v
                : throw new RejectedValueException());

    public static Accepts<TimeSpan> Seconds(int min, int max) =>
        WholeNumber(min, max).Select(s => TimeSpan.FromSeconds(s)).Described($"a whole number of seconds from {min} to {max}");

    /// <summary>true/false, 1/0 or yes/no in any case; anything else is refused rather than read as false.</summary>
    public static readonly Accepts<bool> Flag = OneOf("true, false, 1, 0, yes or no (any case)",
        ("true", true), ("1", true), ("yes", true), ("false", false), ("0", false), ("no", false));

    /// <summary>One of a fixed set of words (any case). <paramref name="description"/> lists them as users should write them.</summary>
    public static Accepts<T> OneOf<T>(string description, params (string Word, T Value)[] choices) =>
        new(description, text =>
        {
            foreach (var (word, value) in choices)
                if (string.Equals(word, text, StringComparison.OrdinalIgnoreCase)) return value;
            throw new RejectedValueException();
        });

    /// <summary>A TCP port; <paramref name="zeroMeans"/> names what 0 does where 0 is allowed.</summary>
    public static Accepts<int> Port(string? zeroMeans = null) =>
        WholeNumber(zeroMeans is null ? 1 : 0, 65535)
            .Described(zeroMeans is null ? "a TCP port from 1 to 65535" : $"a TCP port from 1 to 65535, or 0 ({zeroMeans})");

    /// <summary>An IP address (v4 or v6) or a DNS name.</summary>
    public static readonly Accepts<string> HostName = new("an IP address or a host name", text =>
        Uri.CheckHostName(text) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6 ? text : throw new RejectedValueException());

    /// <summary>A file system path, made absolute against the working directory (bundle and state
    /// paths must not depend on where the node was started from).</summary>
    public static readonly Accepts<string> Path = new("a file system path", text =>
        text.Contains('\0') ? throw new RejectedValueException() : System.IO.Path.GetFullPath(text));

    /// <summary>An existing file this process can open for reading (its absolute path).</summary>
    public static readonly Accepts<string> ReadableFile = new("the path of a readable file", text =>
    {
        var path = Path.Parse(text);
        if (!File.Exists(path)) throw new RejectedValueException("no such file");
        try
        {
            using var _ = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RejectedValueException($"cannot be read: {e.Message}");
        }
        return path;
    });

    public static readonly Accepts<string> Text = new("any text", text => text);

    /// <summary>Accepted and not used (variables of the reference server that this one does not need).</summary>
    public static readonly Accepts<string> Ignored = new("any value (ignored)", text => text);

    /// <summary>Comma-separated items (blanks around them are dropped); at least one.</summary>
    public static Accepts<IReadOnlyList<T>> ListOf<T>(Accepts<T> item, string description) => new(description, text =>
    {
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) throw new RejectedValueException("the list is empty");
        var values = new List<T>(items.Length);
        foreach (var i in items)
        {
            try { values.Add(item.Parse(i)); }
            catch (RejectedValueException e) { throw new RejectedValueException($"'{i}' is not {item.Description}" + (e.Detail is null ? "" : $": {e.Detail}")); }
        }
        return values;
    });

    /// <summary>The address of a node of this cluster (the actor system is always named "sandbox").</summary>
    public static readonly Accepts<string> AkkaAddress = new("akka.tcp://sandbox@host:port (akka.ssl.tcp://… with TLS)", text =>
        ActorPath.TryParseAddress(text, out var a) && a.System == "sandbox" && a.Host is not null && a.Port is > 0 and <= 65535
        // adapters (SANDBOX_AKKA_HOCON's applied-adapters) insert their name: akka.trttl.tcp
        && a.Protocol.StartsWith("akka.", StringComparison.Ordinal) && a.Protocol.EndsWith(".tcp", StringComparison.Ordinal)
            ? a.ToString()
            : throw new RejectedValueException());

    /// <summary>HOCON that Akka can parse.</summary>
    public static readonly Accepts<string> Hocon = new("HOCON text Akka can parse", text =>
    {
        try
        {
            Akka.Configuration.ConfigurationFactory.ParseString(text);
            return text;
        }
        catch (Exception e) when (e is Akka.Configuration.ConfigurationException or FormatException)
        {
            throw new RejectedValueException(e.Message.ReplaceLineEndings(" "));
        }
    });

    /// <summary>Cloud Storage's rule for bucket names (the dotted, domain-named form included).</summary>
    public static readonly Accepts<string> BucketName = new("a Cloud Storage bucket name (3 to 63 lowercase letters, digits, '-', '_' and '.')", text =>
        BucketPattern().IsMatch(text) && (text.Length <= 63 || (text.Contains('.') && text.Split('.').All(p => p.Length <= 63)))
            ? text
            : throw new RejectedValueException());

    /// <summary>Where a Cloud Storage emulator listens: host:port or an http(s) URL.</summary>
    public static readonly Accepts<string> HttpEndpoint = new("host:port or an http:// or https:// URL", text =>
        Uri.TryCreate(text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            ? text
            : throw new RejectedValueException());

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")]
    private static partial Regex BucketPattern();

    /// <summary>An IPv4 network in CIDR form, with a prefix length from <paramref name="minPrefix"/> to <paramref name="maxPrefix"/>.</summary>
    public static Accepts<Sandbox.Actors.Network.Ipv4Cidr> Cidr(int minPrefix, int maxPrefix) =>
        new($"an IPv4 network such as 10.213.0.0/16 (prefix /{minPrefix} to /{maxPrefix})", text =>
            Sandbox.Actors.Network.Ipv4Cidr.TryParse(text, out var cidr, out _) && cidr.PrefixLength >= minPrefix && cidr.PrefixLength <= maxPrefix
                ? cidr
                : throw new RejectedValueException());

    /// <summary>An IPv4 address with an optional :port (53 when absent).</summary>
    public static readonly Accepts<System.Net.IPEndPoint> Ipv4Endpoint = new("an IPv4 address with an optional :port", text =>
        Sandbox.Actors.Network.NetworkOptions.TryParseEndpoint(text, out var e) ? e! : throw new RejectedValueException());
}
