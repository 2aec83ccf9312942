using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Sandbox.Actors.Network;

/// <summary>
/// The sandbox networks of one node: a namespace, veth and address per networked sandbox, gVisor's
/// netstack inside (runsc <c>--network=sandbox</c>), NAT and filtering in the node's netfilter (one
/// nftables table of ours), and a DNS forwarder that answers only what each sandbox's policy allows.
/// <para>
/// Lifetime: <see cref="StartAsync"/> (sweeps what a crashed predecessor left, checks the pool is
/// free, builds the table, starts the forwarder, prepares slots) → <see cref="AttachAsync"/> per
/// container before runsc starts or restores it → <see cref="ApplyAsync"/> on a policy change →
/// <see cref="ReleaseAsync"/> when the container is gone (kill, expiry, checkpoint, crash of runsc)
/// → <see cref="DisposeAsync"/> at node shutdown (releases everything, removes the table).
/// </para>
/// <para>
/// Restore and fork: take a new lease (any node, any address) with the journaled policy and restore
/// into it. runsc 20240729 restores the netstack with the interfaces, addresses and routes of the
/// namespace it is restored into, not the saved ones; TCP connections open at the checkpoint are
/// reset (<c>--net-disconnect-ok</c>; without it runsc refuses the checkpoint and the sandbox dies).
/// The sandbox's resolv.conf names the gateway, but every sandbox packet to port 53 goes to this
/// node's forwarder whatever its destination, so a restore on a node with another pool resolves too.
/// </para>
/// Slots (namespace, veth, address, nftables objects; three <c>ip</c> runs, ~10 ms) are kept
/// prepared ahead of use, so an attach costs one nftables transaction (sub-millisecond) when one
/// is ready.
/// </summary>
public sealed class SandboxNetworks : IAsyncDisposable, IDnsClients
{
    private readonly Action<string> _log;
    private readonly NetworkPlumbing _plumbing;
    private readonly AddressPool _pool;
    private readonly ConcurrentDictionary<string, NetworkLease> _byKey = new();
    private readonly ConcurrentDictionary<uint, NetworkLease> _byAddress = new();
    private readonly ConcurrentQueue<NetworkSlot> _prepared = new();
    private readonly SemaphoreSlim _refill = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _preparedTarget;
    private static readonly TimeSpan RefillDelay = TimeSpan.FromSeconds(1);
    private Nftables? _nft;
    private NftRuleset? _rules;
    private DnsForwarder? _dns;
    private int _started;

    public NetworkOptions Options { get; }
    /// <summary>Read by RunscCli and OciBundle (give it to <c>RunscOptions.Networks</c>).</summary>
    public ContainerNetworks Attachments { get; } = new();
    /// <summary>Five hex digits from the pool and the node's network namespace: in the names of our
    /// table, namespaces and interfaces (gs + tag + 8 hex of the slot = 15, the longest interface name).</summary>
    public string NodeTag { get; }
    public string TableName => $"gvisor_sandbox_{NodeTag}";
    public string NamespacePrefix => $"gs{NodeTag}-";
    public string InterfacePrefix => $"gs{NodeTag}";
    /// <summary>The forwarder's address and port (the gateway; sandboxes reach it on port 53).</summary>
    public IPEndPoint? DnsEndpoint => _dns?.Endpoint;
    /// <summary>DNS queries dropped for exceeding a sandbox's rate.</summary>
    public long DnsQueriesRateLimited => _dns?.RateLimited ?? 0;
    public IReadOnlyCollection<NetworkLease> Leases => _byKey.Values.ToList();

    /// <param name="preparedSlots">slots kept ready for attaches (0: make each on demand)</param>
    public SandboxNetworks(NetworkOptions options, Action<string>? log = null, int preparedSlots = 2, string ipBinary = "ip")
    {
        if (!options.Enabled) throw new InvalidOperationException($"networking is off ({NetworkOptions.DisableNetworkingVariable} is not false)");
        Options = options;
        _log = log ?? (_ => { });
        _plumbing = new NetworkPlumbing(ipBinary);
        _pool = new AddressPool(options.Subnet);
        _preparedTarget = Math.Max(0, preparedSlots);
        // Namespace names live in /run/netns, shared by every network namespace of the machine: the tag
        // also names the node's own network namespace, so nodes in different namespaces with the same
        // pool (test nodes, containers) never sweep each other's. It survives a restart of the node.
        var netns = File.ResolveLinkTarget("/proc/self/ns/net", false)?.Name ?? "";
        NodeTag = Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(options.Subnet + "|" + netns)))[..5].ToLowerInvariant();
    }

    /// <summary>Sweeps leftovers, checks the pool, builds the table and starts the DNS forwarder.</summary>
    /// <exception cref="NetworkOptionsException">the pool overlaps a network of the node</exception>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) throw new InvalidOperationException("already started");
        _nft = new Nftables();
        var swept = await SweepAsync();
        if (swept > 0) _log($"network: removed {swept} sandbox network(s) left by an earlier run");
        await EnsurePoolIsFreeAsync(ct);
        NetworkPlumbing.TryWriteSysctl("/proc/sys/net/ipv4/ip_forward", "1");
        await _plumbing.AddLoopbackAddressAsync(Options.Gateway, ct);
        try
        {
            var port = DnsForwarder.FreePort(Options.Gateway);
            _rules = new NftRuleset(Options, NodeTag, port);
            _nft.Run(_rules.Base(NodeAddresses()));
            _dns = new DnsForwarder(new IPEndPoint(Options.Gateway, port), Options, this);
            _dns.Start();
        }
        catch
        {
            await SweepAsync();
            throw;
        }
        _ = Task.Run(RefillAsync);
        NetworkMetrics.Register(this);
        _log($"network: pool {Options.Subnet}, gateway and resolver {Options.Gateway} (forwarder port {_dns.Endpoint.Port}), upstream {string.Join(", ", Options.Upstreams)}");
    }

    /// <summary>
    /// Removes every namespace and interface with this node's names, the forwarder's address and our
    /// nftables table: what a crashed node left (at start) or everything (at shutdown). The names
    /// are the registry: they carry the node's tag, unique per pool, and pools may not overlap.
    /// </summary>
    /// <returns>how many sandbox namespaces were removed</returns>
    public async Task<int> SweepAsync()
    {
        var (namespaces, interfaces) = NetworkPlumbing.Find(NamespacePrefix, InterfacePrefix);
        await Task.WhenAll(namespaces.Select(ns => _plumbing.DeleteAsync(ns, null)));
        await Task.WhenAll(interfaces.Select(i => _plumbing.DeleteLinkAsync(i)));
        await _plumbing.RemoveLoopbackAddressAsync(Options.Gateway);
        (_nft ?? throw new InvalidOperationException("not started")).Run(new NftRuleset(Options, NodeTag, 0).RemoveTable());
        return namespaces.Count;
    }

    private async Task EnsurePoolIsFreeAsync(CancellationToken ct)
    {
        var subnet = Options.Subnet;
        foreach (var address in NodeAddresses())
            if (subnet.Contains(address))   // our own gateway address on lo was swept just before
                throw new NetworkOptionsException(NetworkOptions.SubnetVariable, subnet.ToString(),
                    $"the node already has the address {address} in this range; choose a range no network of this node uses");
        foreach (var dst in await _plumbing.RouteDestinationsAsync(ct))
        {
            if (dst == "default" || !Ipv4Cidr.TryParse(dst, out var route, out _)) continue;
            if (route.Overlaps(subnet))
                throw new NetworkOptionsException(NetworkOptions.SubnetVariable, subnet.ToString(),
                    $"the node routes {dst}, which overlaps it (another node's pool, or a network this node reaches); choose another range");
        }
    }

    private static IEnumerable<IPAddress> NodeAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork)
            .ToList();

    /// <summary>
    /// Gives a container its network: a prepared (or new) slot with <paramref name="policy"/>
    /// applied, registered in <see cref="Attachments"/> so that runsc starts or restores the
    /// container in it. A key that already has a lease gets a fresh one (the old is released).
    /// </summary>
    public async Task<NetworkLease> AttachAsync(string containerKey, NetworkPolicy policy, CancellationToken ct = default)
    {
        var rules = _rules ?? throw new InvalidOperationException("not started");
        if (_byKey.TryGetValue(containerKey, out var old)) await ReleaseAsync(old);
        if (!_prepared.TryDequeue(out var slot)) slot = await CreateSlotAsync(ct);
        var lease = new NetworkLease(containerKey, slot, policy);
        try
        {
            lock (lease) _nft!.Run(rules.Apply(slot.Id, policy));
        }
        catch
        {
            await DestroySlotAsync(slot);
            throw;
        }
        _byAddress[Ipv4Cidr.ToUInt32(slot.Address)] = lease;
        _byKey[containerKey] = lease;
        Attachments.Set(containerKey, new ContainerNetwork(slot.NamespacePath, $"nameserver {Options.Gateway}\n"));
        // Never on this thread (starting `ip` forks this large process: 15-100 ms on the attach), and a
        // moment later, so as not to compete for the CPU with the runsc start this attach precedes.
        _ = Task.Delay(RefillDelay).ContinueWith(_ => RefillAsync(), TaskScheduler.Default);
        return lease;
    }

    /// <summary>The lease of a container key (a warm-pool container's, taken over by its sandbox), or null.</summary>
    public NetworkLease? Find(string containerKey) => _byKey.GetValueOrDefault(containerKey);

    /// <summary>Changes a lease's policy in one nftables transaction: new connections follow it from
    /// the next packet, lookups from the next query.</summary>
    /// <exception cref="NetworkLeaseReleasedException">the lease was released</exception>
    public Task ApplyAsync(NetworkLease lease, NetworkPolicy policy, CancellationToken ct = default)
    {
        lock (lease)
        {
            if (lease.Released) throw new NetworkLeaseReleasedException(lease.ContainerKey);
            _nft!.Run(_rules!.Apply(lease.Slot.Id, policy));
            lease.Policy = policy;
        }
        return Task.CompletedTask;
    }

    /// <summary>Bytes sent and received by the lease's sandbox so far.</summary>
    public NetworkUsage UsageOf(NetworkLease lease) =>
        Counters().TryGetValue(lease.Slot.Id, out var usage) ? usage : default;

    /// <summary>Usage of every attached container, for metrics (one nftables listing).</summary>
    public IReadOnlyDictionary<string, NetworkUsage> Usage()
    {
        var counters = Counters();
        return _byKey.Values.ToDictionary(l => l.ContainerKey, l => counters.GetValueOrDefault(l.Slot.Id));
    }

    private Dictionary<string, NetworkUsage> Counters()
    {
        var sent = new Dictionary<string, long>();
        var received = new Dictionary<string, long>();
        using (var doc = _nft!.Query(_rules!.ListCounters()))
        {
            if (doc.RootElement.TryGetProperty("nftables", out var items))
                foreach (var item in items.EnumerateArray())
                {
                    if (!item.TryGetProperty("counter", out var c)) continue;
                    var name = c.GetProperty("name").GetString() ?? "";
                    var bytes = c.GetProperty("bytes").GetInt64();
                    if (name.StartsWith("tx_", StringComparison.Ordinal)) sent[name[3..]] = bytes;
                    else if (name.StartsWith("rx_", StringComparison.Ordinal)) received[name[3..]] = bytes;
                }
        }
        return sent.Keys.Union(received.Keys).ToDictionary(k => k, k => new NetworkUsage(sent.GetValueOrDefault(k), received.GetValueOrDefault(k)));
    }

    /// <summary>Removes the lease's namespace, veth, address and rules. Idempotent; never throws.</summary>
    public async Task ReleaseAsync(NetworkLease lease)
    {
        lock (lease)
        {
            if (lease.Released) return;
            lease.Released = true;
        }
        _byKey.TryRemove(new KeyValuePair<string, NetworkLease>(lease.ContainerKey, lease));
        _byAddress.TryRemove(new KeyValuePair<uint, NetworkLease>(Ipv4Cidr.ToUInt32(lease.Address), lease));
        if (Attachments.Find(lease.ContainerKey) is { } attached && attached.NamespacePath == lease.NamespacePath)
            Attachments.Remove(lease.ContainerKey, attached);
        _dns?.Forget(lease);
        try { NetworkMetrics.Released(UsageOf(lease)); }
        catch (Exception) { /* the table is gone (shutdown): nothing to count */ }
        await DestroySlotAsync(lease.Slot);
    }

    NetworkLease? IDnsClients.Find(IPAddress source) =>
        source.AddressFamily == AddressFamily.InterNetwork && _byAddress.TryGetValue(Ipv4Cidr.ToUInt32(source), out var l) ? l : null;

    Task IDnsClients.LearnAsync(NetworkLease lease, NetworkPolicy answeredUnder, IReadOnlyList<(IPAddress Address, TimeSpan Ttl)> answers)
    {
        lock (lease)
        {
            // A change of policy flushed the learned set; an answer given under the old one must not refill it.
            if (lease.Released || !ReferenceEquals(lease.Policy, answeredUnder)) return Task.CompletedTask;
            _nft!.Run(_rules!.Learn(lease.Slot.Id, answers));
        }
        return Task.CompletedTask;
    }

    private async Task<NetworkSlot> CreateSlotAsync(CancellationToken ct)
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var address = _pool.Take();
        var slot = new NetworkSlot(id, NamespacePrefix + id, InterfacePrefix + id, address);
        try
        {
            await _plumbing.CreateAsync(slot, Options.Gateway, ct);
            _nft!.Run(_rules!.AddSlot(id, slot.HostInterface, address));
            return slot;
        }
        catch
        {
            await _plumbing.DeleteAsync(slot.Namespace, slot.HostInterface);
            _pool.Return(address);
            throw;
        }
    }

    private async Task DestroySlotAsync(NetworkSlot slot)
    {
        try { _nft?.Run(_rules!.RemoveSlot(slot.Id, slot.HostInterface, slot.Address)); }
        catch (Exception e) { _log($"network: removing the rules of {slot.HostInterface} failed: {e.Message}"); }
        try { await _plumbing.DeleteAsync(slot.Namespace, slot.HostInterface); }
        catch (Exception e) { _log($"network: removing {slot.Namespace} failed: {e.Message}"); }
        _pool.Return(slot.Address);
    }

    private async Task RefillAsync()
    {
        if (_preparedTarget == 0 || !await _refill.WaitAsync(0)) return;
        try
        {
            for (var i = 0; i < 64 && _prepared.Count < _preparedTarget && !_stopping.IsCancellationRequested; i++)
                _prepared.Enqueue(await CreateSlotAsync(_stopping.Token));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log($"network: preparing a slot failed: {e.Message}");
        }
        catch (OperationCanceledException) { }
        finally
        {
            _refill.Release();
        }
    }

    /// <summary>Node shutdown: releases every lease and prepared slot, stops the forwarder and
    /// removes our table and names.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_started == 0) return;
        _stopping.Cancel();
        NetworkMetrics.Unregister(this);
        await _refill.WaitAsync(TimeSpan.FromSeconds(15));
        _dns?.Dispose();
        await Task.WhenAll(_byKey.Values.Select(ReleaseAsync));
        while (_prepared.TryDequeue(out var slot)) await DestroySlotAsync(slot);
        try { await SweepAsync(); }
        catch (Exception e) { _log($"network: final sweep failed: {e.Message}"); }
        _nft?.Dispose();
        _nft = null;
    }
}
