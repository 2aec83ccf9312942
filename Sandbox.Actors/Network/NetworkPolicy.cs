namespace Sandbox.Actors.Network;

/// <summary>
/// A sandbox's network policy (API-v1 §6): <c>egress</c> plus <c>allow</c> and <c>deny</c> entries,
/// each an IPv4 CIDR (a bare address is a /32) or a domain name (<see cref="DomainPattern"/>).
/// Immutable and always valid: build it with <see cref="Parse"/>, which normalises the entries
/// (lowercase names, canonical CIDRs, duplicates dropped) and refuses bad input with a
/// <see cref="NetworkPolicyException"/> naming the entry. <c>deny</c> overrides <c>allow</c>; the
/// always-denied ranges of <see cref="NetworkOptions"/> override both.
/// </summary>
public sealed class NetworkPolicy : IEquatable<NetworkPolicy>
{
    /// <summary>Entries per list at most (the API answers 422 beyond).</summary>
    public const int MaxEntries = 256;

    public static readonly NetworkPolicy None = new(NetworkEgress.None, [], [], [], [], [], []);
    public static readonly NetworkPolicy AllowAll = new(NetworkEgress.AllowAll, [], [], [], [], [], []);

    public NetworkEgress Egress { get; }
    /// <summary>The normalised entries, as the API shows them.</summary>
    public IReadOnlyList<string> Allow { get; }
    public IReadOnlyList<string> Deny { get; }
    public IReadOnlyList<Ipv4Cidr> AllowCidrs { get; }
    public IReadOnlyList<DomainPattern> AllowNames { get; }
    public IReadOnlyList<Ipv4Cidr> DenyCidrs { get; }
    public IReadOnlyList<DomainPattern> DenyNames { get; }

    private NetworkPolicy(NetworkEgress egress, IReadOnlyList<string> allow, IReadOnlyList<string> deny,
        IReadOnlyList<Ipv4Cidr> allowCidrs, IReadOnlyList<DomainPattern> allowNames, IReadOnlyList<Ipv4Cidr> denyCidrs, IReadOnlyList<DomainPattern> denyNames)
    {
        Egress = egress;
        Allow = allow;
        Deny = deny;
        AllowCidrs = allowCidrs;
        AllowNames = allowNames;
        DenyCidrs = denyCidrs;
        DenyNames = denyNames;
    }

    /// <summary>Validates and normalises a policy as the API receives it.</summary>
    /// <exception cref="NetworkPolicyException">unknown egress, a malformed entry, more than
    /// <see cref="MaxEntries"/> entries in a list, or <c>allow</c> entries without <c>allow_list</c>.</exception>
    public static NetworkPolicy Parse(string? egress, IEnumerable<string?>? allow = null, IEnumerable<string?>? deny = null)
    {
        if (!NetworkEgressNames.TryParse(egress, out var mode))
            throw new NetworkPolicyException(NetworkPolicyError.UnknownEgress, "egress", egress,
                $"unknown egress '{egress}': use {NetworkEgressNames.None}, {NetworkEgressNames.AllowAll} or {NetworkEgressNames.AllowList}");
        var allowList = (allow ?? []).ToList();
        var denyList = (deny ?? []).ToList();
        if (allowList.Count > 0 && mode != NetworkEgress.AllowList)
            throw new NetworkPolicyException(NetworkPolicyError.AllowWithoutAllowList, "allow", allowList[0],
                $"'allow' entries need egress '{NetworkEgressNames.AllowList}' (egress is '{egress}')");
        var (allowText, allowCidrs, allowNames) = ParseEntries("allow", allowList);
        var (denyText, denyCidrs, denyNames) = ParseEntries("deny", denyList);
        return new NetworkPolicy(mode, allowText, denyText, allowCidrs, allowNames, denyCidrs, denyNames);
    }

    private static (List<string>, List<Ipv4Cidr>, List<DomainPattern>) ParseEntries(string field, List<string?> entries)
    {
        if (entries.Count > MaxEntries)
            throw new NetworkPolicyException(NetworkPolicyError.TooManyEntries, field, entries[MaxEntries],
                $"'{field}' has {entries.Count} entries; at most {MaxEntries} are allowed");
        var text = new List<string>();
        var cidrs = new List<Ipv4Cidr>();
        var names = new List<DomainPattern>();
        foreach (var entry in entries)
        {
            string canonical;
            if (entry is not null && LooksLikeAddress(entry))
            {
                if (!Ipv4Cidr.TryParse(entry, out var cidr, out var why))
                    throw Malformed(field, entry, why);
                if (!cidrs.Contains(cidr)) cidrs.Add(cidr);
                canonical = cidr.ToString();
            }
            else
            {
                if (!DomainPattern.TryParse(entry, out var pattern, out var why))
                    throw Malformed(field, entry, why);
                if (!names.Contains(pattern!)) names.Add(pattern!);
                canonical = pattern!.ToString();
            }
            if (!text.Contains(canonical)) text.Add(canonical);
        }
        return (text, cidrs, names);
    }

    private static NetworkPolicyException Malformed(string field, string? entry, string? why) =>
        new(NetworkPolicyError.MalformedEntry, field, entry, $"'{field}' entry '{entry}' is neither an IPv4 CIDR nor a domain name: {why}");

    // An entry is an address when it is made of digits, dots and a prefix, or is IPv6-like.
    private static bool LooksLikeAddress(string entry)
    {
        var s = entry.Trim();
        return s.Contains(':') || s.Contains('/') || (s.Length > 0 && s.All(c => char.IsAsciiDigit(c) || c == '.'));
    }

    /// <summary>Whether a lookup of <paramref name="name"/> may be answered: never when a deny name
    /// matches; otherwise under <c>allow_all</c>, or under <c>allow_list</c> when an allow name matches.</summary>
    public bool MayResolve(string name)
    {
        if (DenyNames.Any(p => p.Matches(name))) return false;
        return Egress switch
        {
            NetworkEgress.AllowAll => true,
            NetworkEgress.AllowList => AllowNames.Any(p => p.Matches(name)),
            _ => false,
        };
    }

    public bool Equals(NetworkPolicy? other) =>
        other is not null && Egress == other.Egress && Allow.SequenceEqual(other.Allow) && Deny.SequenceEqual(other.Deny);

    public override bool Equals(object? obj) => Equals(obj as NetworkPolicy);
    public override int GetHashCode() => HashCode.Combine(Egress, Allow.Count, Deny.Count);
    public override string ToString() =>
        $"{Egress.ToWire()} allow=[{string.Join(", ", Allow)}] deny=[{string.Join(", ", Deny)}]";
}
