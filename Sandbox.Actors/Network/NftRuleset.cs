using System.Net;
using System.Text;

namespace Sandbox.Actors.Network;

/// <summary>
/// The nftables scripts of one node's sandbox networks: one table of ours (<see cref="Table"/>, family
/// <c>inet</c> so IPv6 is caught too) with the shared chains and sets, plus per sandbox slot two
/// chains (<c>e_&lt;slot&gt;</c> egress, <c>i_&lt;slot&gt;</c> replies), three sets (allowed CIDRs, denied
/// CIDRs, addresses learned from DNS with their TTL) and two counters. Pure text, no I/O.
/// <para>
/// Sandboxes are told apart by the host end of their veth (<c>iifname</c>), which only that sandbox's
/// namespace can send into, and the source address must be the one it was given (anti-spoofing in
/// <c>pre_filter</c>), so nothing a sandbox writes into its packets can choose another's rules.
/// Accepting in our chains never overrides a drop in another table of the host.
/// </para>
/// </summary>
public sealed class NftRuleset
{
    private readonly NetworkOptions _options;
    public string Table { get; }
    /// <summary>Every sandbox veth of this node starts with this (unique per pool, so two nodes in
    /// one namespace never match each other's interfaces).</summary>
    public string InterfacePrefix { get; }
    public int DnsPort { get; }
    private string Gateway => _options.Gateway.ToString();

    public NftRuleset(NetworkOptions options, string nodeTag, int dnsPort)
    {
        _options = options;
        Table = $"gvisor_sandbox_{nodeTag}";
        InterfacePrefix = $"gs{nodeTag}";
        DnsPort = dnsPort;
    }

    private string T => $"inet {Table}";
    private const string Refuse = "reject with icmpx admin-prohibited";

    /// <summary>Removes our table if it is there (add-then-delete is one transaction that always
    /// succeeds), then creates it afresh.</summary>
    public string Base(IEnumerable<IPAddress> nodeAddresses)
    {
        var denied = NetworkOptions.AlwaysDenied.Select(c => c.ToString())
            .Concat(nodeAddresses.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).Select(a => a.ToString()))
            .Distinct();
        var allowed = _options.AllowPrivate.Select(c => c.ToString()).ToList();
        var p = InterfacePrefix + "*";
        var sb = new StringBuilder();
        sb.AppendLine(RemoveTable());
        sb.AppendLine($$"""
            table {{T}} {
              set denied4 { type ipv4_addr; flags interval; auto-merge; elements = { {{string.Join(", ", denied)}} } }
              set private_allowed4 { type ipv4_addr; flags interval; auto-merge; {{(allowed.Count > 0 ? $"elements = {{ {string.Join(", ", allowed)} }}" : "")}} }
              set sources { type ifname . ipv4_addr; }
              map egress { type ifname : verdict; }
              map ingress { type ifname : verdict; }
              set conns { type ifname; size 65535; flags dynamic; }
              set dnsrate { type ipv4_addr; size 65535; flags dynamic,timeout; timeout 10s; }
              chain pre_filter { type filter hook prerouting priority raw; policy accept;
                iifname "{{p}}" meta nfproto ipv6 drop
                iifname "{{p}}" iifname . ip saddr != @sources drop
              }
              chain pre_nat { type nat hook prerouting priority dstnat; policy accept;
                iifname "{{p}}" meta l4proto { tcp, udp } th dport 53 dnat ip to {{Gateway}}:{{DnsPort}}
              }
              chain input { type filter hook input priority filter; policy accept;
                iifname "{{p}}" jump sandbox_to_node
                ip daddr {{Gateway}} drop
              }
              # the gateway (and the forwarder on it) is for sandboxes only
              chain sandbox_to_node {
                ip daddr {{Gateway}} meta l4proto { tcp, udp } th dport {{DnsPort}} ct status dnat add @dnsrate { ip saddr limit rate over {{_options.DnsQueriesPerSecond * 2}}/second burst {{_options.DnsQueriesPerSecond * 4}} packets } drop
                ip daddr {{Gateway}} meta l4proto { tcp, udp } th dport {{DnsPort}} ct status dnat accept
                {{Refuse}}
              }
              chain forward { type filter hook forward priority filter; policy accept;
                iifname "{{p}}" jump from_sandbox
                oifname "{{p}}" jump to_sandbox
              }
              chain from_sandbox { iifname vmap @egress; drop; }
              chain to_sandbox { oifname vmap @ingress; drop; }
              chain output { type filter hook output priority filter; policy accept;
                oifname "{{p}}" ct state established,related accept
                oifname "{{p}}" drop
              }
              chain post_nat { type nat hook postrouting priority srcnat; policy accept;
                oifname != "{{p}}" ip saddr {{_options.Subnet}} masquerade
              }
            }
            """);
        return sb.ToString();
    }

    public string RemoveTable() => $"add table {T}\ndelete table {T}";

    /// <summary>The objects of one slot, with egress dropping everything until a policy is applied.</summary>
    public string AddSlot(string slot, string hostInterface, IPAddress address)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"add set {T} a_{slot} {{ type ipv4_addr; flags interval; auto-merge; }}");
        sb.AppendLine($"add set {T} d_{slot} {{ type ipv4_addr; flags interval; auto-merge; }}");
        sb.AppendLine($"add set {T} n_{slot} {{ type ipv4_addr; flags timeout; }}");
        sb.AppendLine($"add counter {T} tx_{slot}");
        sb.AppendLine($"add counter {T} rx_{slot}");
        sb.AppendLine($"add chain {T} e_{slot}");
        sb.AppendLine($"add chain {T} i_{slot}");
        // Replies to what the sandbox opened; nothing may open a connection towards it.
        sb.AppendLine($"add rule {T} i_{slot} ct state established,related counter name \"rx_{slot}\" accept");
        sb.AppendLine($"add rule {T} i_{slot} drop");
        sb.AppendLine($"add rule {T} e_{slot} drop");
        sb.AppendLine($"add element {T} sources {{ \"{hostInterface}\" . {address} }}");
        sb.AppendLine($"add element {T} egress {{ \"{hostInterface}\" : jump e_{slot} }}");
        sb.AppendLine($"add element {T} ingress {{ \"{hostInterface}\" : jump i_{slot} }}");
        return sb.ToString();
    }

    /// <summary>
    /// Replaces a slot's egress rules and sets in one transaction, so a change takes effect for the
    /// next packet of a new connection (connections already open keep flowing: §6 applies a change to
    /// connections made after it). Addresses learned from DNS are forgotten: they were allowed by
    /// the names of the old policy.
    /// </summary>
    public string Apply(string slot, NetworkPolicy policy)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"flush chain {T} e_{slot}");
        sb.AppendLine($"flush set {T} a_{slot}");
        sb.AppendLine($"flush set {T} d_{slot}");
        sb.AppendLine($"flush set {T} n_{slot}");
        if (policy.AllowCidrs.Count > 0)
            sb.AppendLine($"add element {T} a_{slot} {{ {string.Join(", ", policy.AllowCidrs)} }}");
        if (policy.DenyCidrs.Count > 0)
            sb.AppendLine($"add element {T} d_{slot} {{ {string.Join(", ", policy.DenyCidrs)} }}");
        void Rule(string r) => sb.AppendLine($"add rule {T} e_{slot} {r}");
        Rule($"ct state established,related counter name \"tx_{slot}\" accept");
        // The order is the precedence: other sandboxes, then always-denied (unless the operator
        // allowed the range), then the policy's deny, then the flood limits, then the allows.
        // Refusals are answered (admin-prohibited) so a program fails at once instead of hanging in
        // connect; the kernel rate-limits these ICMP errors. Floods are dropped silently.
        Rule($"ip daddr {_options.Subnet} {Refuse}");
        Rule($"ip daddr @denied4 ip daddr != @private_allowed4 {Refuse}");
        Rule($"ip daddr @d_{slot} {Refuse}");
        Rule($"ct state new add @conns {{ iifname ct count over {_options.MaxConnectionsPerSandbox} }} drop");
        Rule($"ct state new limit rate over {_options.NewConnectionsPerSecond}/second burst {_options.NewConnectionsPerSecond * 2} packets drop");
        switch (policy.Egress)
        {
            case NetworkEgress.AllowAll:
                Rule($"counter name \"tx_{slot}\" accept");
                break;
            case NetworkEgress.AllowList:
                Rule($"ip daddr @a_{slot} counter name \"tx_{slot}\" accept");
                Rule($"ip daddr @n_{slot} counter name \"tx_{slot}\" accept");
                break;
        }
        Rule(Refuse);
        return sb.ToString();
    }

    /// <summary>Lets a slot reach addresses its DNS lookup returned, each until its TTL runs out
    /// (a later answer extends it: add, delete and add again in one transaction resets the timeout).</summary>
    public string Learn(string slot, IEnumerable<(IPAddress Address, TimeSpan Ttl)> answers)
    {
        var sb = new StringBuilder();
        foreach (var (address, ttl) in answers)
        {
            var seconds = (int)Math.Ceiling(ttl.TotalSeconds);
            sb.AppendLine($"add element {T} n_{slot} {{ {address} timeout {seconds}s }}");
            sb.AppendLine($"delete element {T} n_{slot} {{ {address} }}");
            sb.AppendLine($"add element {T} n_{slot} {{ {address} timeout {seconds}s }}");
        }
        return sb.ToString();
    }

    /// <summary>Removes everything of a slot (map entries first: a chain a map still jumps to cannot go).</summary>
    public string RemoveSlot(string slot, string hostInterface, IPAddress address)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"delete element {T} egress {{ \"{hostInterface}\" }}");
        sb.AppendLine($"delete element {T} ingress {{ \"{hostInterface}\" }}");
        sb.AppendLine($"delete element {T} sources {{ \"{hostInterface}\" . {address} }}");
        sb.AppendLine($"delete chain {T} e_{slot}");
        sb.AppendLine($"delete chain {T} i_{slot}");
        foreach (var set in new[] { "a", "d", "n" }) sb.AppendLine($"delete set {T} {set}_{slot}");
        sb.AppendLine($"delete counter {T} tx_{slot}");
        sb.AppendLine($"delete counter {T} rx_{slot}");
        return sb.ToString();
    }

    public string ListCounters() => $"list counters table {T}";
}
