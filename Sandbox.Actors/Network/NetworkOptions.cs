using System.Net;

namespace Sandbox.Actors.Network;

/// <summary>
/// The node's sandbox networking, from its environment:
/// <list type="bullet">
/// <item><c>RUNSC_DISABLE_NETWORKING</c> — unset or <c>true</c>: networking is off on this node, every
/// sandbox runs <c>--network=none</c> and only the policy <c>none</c> is accepted; <c>false</c>: on,
/// and the default policy is <c>allow_all</c> (the reference's meaning of the variable).</item>
/// <item><c>SANDBOX_NETWORK_DNS</c> — the upstream resolvers of the node's DNS forwarder
/// (comma-separated IPv4 addresses, optionally <c>:port</c>); default: the IPv4 nameservers of the
/// node's <c>/etc/resolv.conf</c>.</item>
/// <item><c>SANDBOX_NETWORK_SUBNET</c> — the pool sandbox addresses come from (default
/// <c>10.213.0.0/16</c>); its first host address is every sandbox's gateway and resolver. It must not
/// overlap a network the node reaches (checked at start) nor another node's pool on the same host.
/// Nodes that restore each other's checkpoints should use the same pool.</item>
/// <item><c>SANDBOX_NETWORK_ALLOW_PRIVATE</c> — comma-separated CIDRs taken out of the always-denied
/// ranges (policies must still allow them).</item>
/// </list>
/// </summary>
public sealed record NetworkOptions
{
    public const string DisableNetworkingVariable = "RUNSC_DISABLE_NETWORKING";
    public const string DnsVariable = "SANDBOX_NETWORK_DNS";
    public const string SubnetVariable = "SANDBOX_NETWORK_SUBNET";
    public const string AllowPrivateVariable = "SANDBOX_NETWORK_ALLOW_PRIVATE";

    public static readonly Ipv4Cidr DefaultSubnet = Ipv4Cidr.Parse("10.213.0.0/16");

    /// <summary>Always denied as destinations unless listed in <see cref="AllowPrivate"/>: "this
    /// network", loopback, RFC 1918, CGNAT, link-local (the metadata address included), multicast and
    /// the reserved 240/4 with broadcast. The node's own addresses and the sandbox pool are added by
    /// the node; the pool can never be allowed.</summary>
    public static readonly IReadOnlyList<Ipv4Cidr> AlwaysDenied = new[]
    {
        "0.0.0.0/8", "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
        "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
    }.Select(Ipv4Cidr.Parse).ToArray();

    /// <summary>
    /// Whether this node gives sandboxes a network at all. On a networked node every sandbox should
    /// get a lease, <c>none</c> included (its rules then refuse everything and its lookups are
    /// refused): gVisor reads a sandbox's interfaces only at start and restore, so a sandbox started
    /// without one could never honour a later <c>PUT …/network</c>, which §6 allows "at any time" and
    /// within a second. A sandbox on a node with networking off has no interface but loopback, and
    /// only <c>none</c> is accepted there (<see cref="EnsureSupported"/>; the API answers 409).
    /// </summary>
    public bool Enabled { get; init; }
    public IReadOnlyList<IPEndPoint> Upstreams { get; init; } = [];
    public Ipv4Cidr Subnet { get; init; } = DefaultSubnet;
    public IReadOnlyList<Ipv4Cidr> AllowPrivate { get; init; } = [];
    /// <summary>Open connections one sandbox may have at once (nftables <c>ct count</c>).</summary>
    public int MaxConnectionsPerSandbox { get; init; } = 256;
    /// <summary>New connections per second one sandbox may open (burst twice that).</summary>
    public int NewConnectionsPerSecond { get; init; } = 100;
    /// <summary>DNS queries per second one sandbox may send (burst twice that); more are dropped.</summary>
    public int DnsQueriesPerSecond { get; init; } = 50;
    /// <summary>How long the forwarder waits for an upstream answer.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(3);

    public NetworkPolicy DefaultPolicy => Enabled ? NetworkPolicy.AllowAll : NetworkPolicy.None;
    /// <summary>The gateway and resolver address every sandbox sees (first host of the pool).</summary>
    public IPAddress Gateway => Ipv4Cidr.FromUInt32(Subnet.First + 1);

    /// <summary>Refuses a policy this node cannot give: anything but <c>none</c> while networking is off.</summary>
    /// <exception cref="NetworkPolicyException">with <see cref="NetworkPolicyError.NetworkingDisabled"/></exception>
    public void EnsureSupported(NetworkPolicy policy)
    {
        if (!Enabled && policy.Egress != NetworkEgress.None)
            throw new NetworkPolicyException(NetworkPolicyError.NetworkingDisabled, "egress", policy.Egress.ToWire(),
                $"networking is off on this node ({DisableNetworkingVariable} is not false): only egress '{NetworkEgressNames.None}' is possible");
    }

    /// <summary>Reads and validates the variables.</summary>
    /// <param name="env">the environment (default: the process's)</param>
    /// <param name="resolvConf">the node's resolv.conf text, for the default upstream (default: read /etc/resolv.conf)</param>
    /// <exception cref="NetworkOptionsException">a value that cannot be used, naming the variable</exception>
    public static NetworkOptions FromEnvironment(Func<string, string?>? env = null, Func<string?>? resolvConf = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        resolvConf ??= () => File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : null;

        var disable = env(DisableNetworkingVariable)?.Trim().ToLowerInvariant();
        var enabled = disable switch
        {
            null or "" or "true" or "1" => false,
            "false" or "0" => true,
            _ => throw new NetworkOptionsException(DisableNetworkingVariable, env(DisableNetworkingVariable), "use true (no network, the default) or false"),
        };

        var subnetText = env(SubnetVariable);
        var subnet = DefaultSubnet;
        if (!string.IsNullOrWhiteSpace(subnetText))
        {
            if (!Ipv4Cidr.TryParse(subnetText, out subnet, out var why))
                throw new NetworkOptionsException(SubnetVariable, subnetText, $"an IPv4 CIDR such as 10.213.0.0/16 is needed ({why})");
            if (subnet.PrefixLength is < 8 or > 28)
                throw new NetworkOptionsException(SubnetVariable, subnetText, "the prefix length must be 8 to 28 (room for a gateway and sandboxes)");
        }

        var allowPrivate = new List<Ipv4Cidr>();
        foreach (var item in SplitList(env(AllowPrivateVariable)))
        {
            if (!Ipv4Cidr.TryParse(item, out var cidr, out var why))
                throw new NetworkOptionsException(AllowPrivateVariable, env(AllowPrivateVariable), $"'{item}' is not an IPv4 CIDR ({why})");
            if (cidr.Overlaps(subnet))
                throw new NetworkOptionsException(AllowPrivateVariable, env(AllowPrivateVariable),
                    $"'{item}' overlaps the sandbox pool {subnet} ({SubnetVariable}); sandboxes never reach each other");
            allowPrivate.Add(cidr);
        }

        var dnsText = env(DnsVariable);
        var upstreams = new List<IPEndPoint>();
        foreach (var item in SplitList(dnsText))
        {
            if (!TryParseEndpoint(item, out var endpoint))
                throw new NetworkOptionsException(DnsVariable, dnsText, $"'{item}' is not an IPv4 address with an optional :port");
            if (subnet.Contains(endpoint!.Address))
                throw new NetworkOptionsException(DnsVariable, dnsText, $"'{item}' is inside the sandbox pool {subnet}");
            upstreams.Add(endpoint);
        }
        // The DNS library sends to every upstream on one port.
        if (upstreams.Select(u => u.Port).Distinct().Count() > 1)
            throw new NetworkOptionsException(DnsVariable, dnsText, "every resolver must use the same port");
        if (upstreams.Count == 0)
        {
            upstreams.AddRange(NameserversOf(resolvConf()).Where(e => !subnet.Contains(e.Address)));
            if (enabled && upstreams.Count == 0)
                throw new NetworkOptionsException(DnsVariable, dnsText,
                    "no upstream resolver: set it (IPv4 addresses, comma-separated), the node's /etc/resolv.conf has no IPv4 nameserver");
        }

        return new NetworkOptions { Enabled = enabled, Subnet = subnet, AllowPrivate = allowPrivate, Upstreams = upstreams };
    }

    private static IEnumerable<string> SplitList(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool TryParseEndpoint(string text, out IPEndPoint? endpoint)
    {
        endpoint = null;
        var parts = text.Split(':');
        if (parts.Length > 2) return false;
        if (!Ipv4Cidr.TryParse(parts[0], out var single, out _) || single.PrefixLength != 32 || parts[0].Contains('/')) return false;
        var port = 53;
        if (parts.Length == 2 && (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, null, out port) || port is < 1 or > 65535)) return false;
        endpoint = new IPEndPoint(Ipv4Cidr.FromUInt32(single.Network), port);
        return true;
    }

    /// <summary>The IPv4 <c>nameserver</c> lines of a resolv.conf.</summary>
    public static IEnumerable<IPEndPoint> NameserversOf(string? resolvConf)
    {
        foreach (var line in (resolvConf ?? "").Split('\n'))
        {
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2 && words[0] == "nameserver" && Ipv4Cidr.TryParse(words[1], out var c, out _) && c.PrefixLength == 32 && !words[1].Contains('/'))
                yield return new IPEndPoint(Ipv4Cidr.FromUInt32(c.Network), 53);
        }
    }
}
