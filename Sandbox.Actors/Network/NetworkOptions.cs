using System.Net;

namespace Sandbox.Actors.Network;

/// <summary>
/// The node's sandbox networking, bound from the node's environment by its one configuration:
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
    /// <summary>Slots (namespace, veth, address) the node keeps made ahead of attaches, so that a create
    /// pays one nftables transaction rather than three <c>ip</c> runs.</summary>
    public int PreparedSlots { get; init; } = 2;
        /// <summary>How long the forwarder waits for an upstream answer.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(3);

    public NetworkPolicy DefaultPolicy => Enabled ? NetworkPolicy.AllowAll : NetworkPolicy.None;
    public bool Equals(NetworkOptions? o) =>
        o is not null && Enabled == o.Enabled && Subnet.Equals(o.Subnet) && Upstreams.SequenceEqual(o.Upstreams) && AllowPrivate.SequenceEqual(o.AllowPrivate) &&
        MaxConnectionsPerSandbox == o.MaxConnectionsPerSandbox && NewConnectionsPerSecond == o.NewConnectionsPerSecond &&
        DnsQueriesPerSecond == o.DnsQueriesPerSecond && UpstreamTimeout == o.UpstreamTimeout && PreparedSlots == o.PreparedSlots;

    public override int GetHashCode() => HashCode.Combine(Enabled, Subnet, Upstreams.Count, AllowPrivate.Count);

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

    public static bool TryParseEndpoint(string text, out IPEndPoint? endpoint)
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
