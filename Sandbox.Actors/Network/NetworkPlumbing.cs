using System.Net;

namespace Sandbox.Actors.Network;

/// <summary>
/// Namespaces, veths, addresses and routes, through iproute2's <c>ip</c> (three process starts per
/// slot: <c>netns add</c>, the node side as one batch, the sandbox side as one batch in its
/// namespace; a batch cannot switch namespaces). Slots are made ahead of use (see
/// <see cref="SandboxNetworks"/>), so this cost is not paid by a create.
/// <para>
/// Inside the sandbox's namespace: <c>eth0</c> with the sandbox's address as a /32, a link route to
/// the gateway and a default route through it. runsc (<c>--network=sandbox</c>) copies these into
/// gVisor's netstack at start and at restore and then removes the address and routes from the host
/// kernel's view of the namespace, keeping an AF_PACKET socket on <c>eth0</c>: nothing of the
/// sandbox's traffic touches a host socket. The node side: the host end of the veth with the
/// gateway address (/32, so that it answers ARP for it even where <c>arp_ignore</c> is set) and a
/// /32 route to the sandbox. IPv6 is off on the host end.
/// </para>
/// </summary>
internal sealed class NetworkPlumbing(string ipBinary = "ip")
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task CreateAsync(NetworkSlot slot, IPAddress gateway, CancellationToken ct)
    {
        await HostCommand.RunCheckedAsync(ipBinary, ["netns", "add", slot.Namespace], null, Timeout, ct);
        try
        {
            var h = slot.HostInterface;
            await HostCommand.RunCheckedAsync(ipBinary, ["-batch", "-"], $"""
                link add {h} type veth peer name eth0 netns {slot.Namespace}
                addr add {gateway}/32 dev {h}
                link set {h} up
                route add {slot.Address}/32 dev {h} src {gateway}
                """ + "\n", Timeout, ct);
            TryWriteSysctl($"/proc/sys/net/ipv6/conf/{h}/disable_ipv6", "1");
            await HostCommand.RunCheckedAsync(ipBinary, ["-n", slot.Namespace, "-batch", "-"], $"""
                link set lo up
                addr add {slot.Address}/32 dev eth0
                link set eth0 up
                route add {gateway} dev eth0 scope link
                route add default via {gateway} dev eth0
                """ + "\n", Timeout, ct);
        }
        catch
        {
            await DeleteAsync(slot.Namespace, slot.HostInterface);
            throw;
        }
    }

    /// <summary>Deleting the namespace destroys its <c>eth0</c> and with it the host end, its
    /// address and route. The host end is deleted too in case the namespace was already gone.</summary>
    public async Task DeleteAsync(string ns, string? hostInterface)
    {
        if (File.Exists($"/run/netns/{ns}"))
            await HostCommand.RunAsync(ipBinary, ["netns", "del", ns], null, Timeout, CancellationToken.None);
        if (hostInterface is not null && Directory.Exists($"/sys/class/net/{hostInterface}"))
            await HostCommand.RunAsync(ipBinary, ["link", "del", hostInterface], null, Timeout, CancellationToken.None);
    }

    /// <summary>The namespaces and interfaces whose names start with <paramref name="prefix"/>.</summary>
    public static (IReadOnlyList<string> Namespaces, IReadOnlyList<string> Interfaces) Find(string namespacePrefix, string interfacePrefix)
    {
        var namespaces = Directory.Exists("/run/netns")
            ? Directory.GetFiles("/run/netns").Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith(namespacePrefix, StringComparison.Ordinal)).ToList()
            : [];
        var interfaces = Directory.Exists("/sys/class/net")
            ? Directory.GetFileSystemEntries("/sys/class/net").Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith(interfacePrefix, StringComparison.Ordinal)).ToList()
            : [];
        return (namespaces, interfaces);
    }

    /// <summary>The forwarder's address on the loopback device, so that it can bind before any
    /// sandbox exists (the kernel here has no dummy devices). Idempotent.</summary>
    public async Task AddLoopbackAddressAsync(IPAddress address, CancellationToken ct)
    {
        var (code, stderr) = await HostCommand.RunAsync(ipBinary, ["addr", "replace", $"{address}/32", "dev", "lo"], null, Timeout, ct);
        if (code != 0) throw new HostCommandException($"ip addr replace {address}/32 dev lo failed: {stderr}");
    }

    public async Task RemoveLoopbackAddressAsync(IPAddress address)
    {
        if (System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Any(i => i.NetworkInterfaceType == System.Net.NetworkInformation.NetworkInterfaceType.Loopback
                      && i.GetIPProperties().UnicastAddresses.Any(u => u.Address.Equals(address))))
            await HostCommand.RunAsync(ipBinary, ["addr", "del", $"{address}/32", "dev", "lo"], null, Timeout, CancellationToken.None);
    }

    public async Task DeleteLinkAsync(string name)
    {
        if (Directory.Exists($"/sys/class/net/{name}"))
            await HostCommand.RunAsync(ipBinary, ["link", "del", name], null, Timeout, CancellationToken.None);
    }

    /// <summary>IPv4 routes of this namespace (all tables) as <c>ip -j</c> prints them.</summary>
    public async Task<IReadOnlyList<string>> RouteDestinationsAsync(CancellationToken ct)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(ipBinary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-j", "-4", "route", "show", "table", "all" }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi) ?? throw new HostCommandException("cannot start ip");
        var json = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0 || string.IsNullOrWhiteSpace(json)) return [];
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray()
            .Where(r => r.TryGetProperty("dst", out _) && !(r.TryGetProperty("type", out var t) && t.GetString() is "local" or "broadcast"))
            .Select(r => r.GetProperty("dst").GetString() ?? "").ToList();
    }

    public static void TryWriteSysctl(string path, string value)
    {
        try { File.WriteAllText(path, value); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
