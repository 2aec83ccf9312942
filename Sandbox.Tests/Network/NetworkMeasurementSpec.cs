using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using static Sandbox.Tests.Network.NetworkTestbed;

namespace Sandbox.Tests.Network;

/// <summary>
/// What networking costs, measured on a node that keeps slots ready: create with and without a
/// network, attach from a ready slot and from none, a policy change, and throughput through our
/// NAT and filter (iperf3 between the test's namespaces) and out of a gVisor sandbox. The numbers
/// are printed (<c>--logger "console;verbosity=detailed"</c>); only the outcomes are asserted.
/// </summary>
[Collection(PreparedSlotsCollection.Name)]
public sealed class NetworkMeasurementSpec(PreparedSlotsTestbed bed, ITestOutputHelper output)
{
    internal static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    [Fact]
    public async Task Create_with_a_network_from_a_ready_slot_and_without_one()
    {
        var plain = new List<double>();
        var networked = new List<double>();
        var attach = new List<double>();
        var keys = new List<string>();
        for (var round = 0; round < 10; round++)
        {
            var p = $"net-measure-plain-{round}-{Guid.NewGuid().ToString("N")[..4]}";
            keys.Add(p);
            plain.Add((double)(await bed.Driver.RequireAsync(new JsonObject { ["op"] = "start_unnetworked", ["key"] = p }))["start_ms"]!);
            var n = $"net-measure-net-{round}-{Guid.NewGuid().ToString("N")[..4]}";
            keys.Add(n);
            var r = await bed.Driver.RequireAsync(new JsonObject { ["op"] = "start", ["key"] = n, ["policy"] = Policy("allow_list", ["allowed.test"]) });
            networked.Add((double)r["start_ms"]!);
            attach.Add((double)r["attach_ms"]!);
            output.WriteLine($"round {round}: plain {plain[^1]:0} ms, networked {networked[^1]:0} ms (attach {attach[^1]:0.00} ms)");
            await Task.Delay(1500);   // the node refills its ready slots in the background, a second after an attach
        }
        Assert.Equal($"served-by {Allowed}", await bed.PythonAsync(keys[^1], Probe.Code + "print(get('http://allowed.test/'))"));
        foreach (var k in keys) await bed.StopAsync(k);
        output.WriteLine($"create without network: median {Median(plain):0.0} ms ({string.Join(", ", plain.Select(x => x.ToString("0")))})");
        output.WriteLine($"create with network:    median {Median(networked):0.0} ms ({string.Join(", ", networked.Select(x => x.ToString("0")))})");
        output.WriteLine($"of which attach (ready slot + policy): median {Median(attach):0.00} ms");
        output.WriteLine($"delta of the medians: {Median(networked) - Median(plain):0.0} ms; median of the pairwise deltas: {Median(networked.Zip(plain, (n, p) => n - p)):0.0} ms");
    }

    [Fact]
    public async Task Attach_without_a_ready_slot_and_a_policy_change()
    {
        var cold = new List<double>();
        var keys = new List<string>();
        // more at once than the node keeps ready: the later ones make their slot on demand
        for (var i = 0; i < PreparedSlotsTestbed.Slots + 4; i++)
        {
            var k = $"net-measure-cold-{i}-{Guid.NewGuid().ToString("N")[..4]}";
            keys.Add(k);
            cold.Add((double)(await bed.Driver.RequireAsync(new JsonObject { ["op"] = "attach_only", ["key"] = k, ["policy"] = Policy("allow_all") }))["attach_ms"]!);
        }
        foreach (var k in keys) await bed.Driver.RequireAsync(new JsonObject { ["op"] = "release", ["key"] = k });
        output.WriteLine($"attach, in order: {string.Join(", ", cold.Select(x => x.ToString("0.0")))} ms (the first {PreparedSlotsTestbed.Slots} from ready slots)");

        var key = $"net-measure-apply-{Guid.NewGuid().ToString("N")[..4]}";
        await bed.StartAsync(key, Policy("allow_all"));
        var apply = new List<double>();
        for (var i = 0; i < 10; i++)
            apply.Add((double)(await bed.Driver.RequireAsync(new JsonObject { ["op"] = "apply", ["key"] = key,
                ["policy"] = i % 2 == 0 ? Policy("allow_list", Enumerable.Range(0, 200).Select(n => $"h{n}.example.com").Append("203.0.113.0/24").ToArray()) : Policy("allow_all") }))["apply_ms"]!);
        await bed.StopAsync(key);
        output.WriteLine($"policy change (200 names and a CIDR, or allow_all): median {Median(apply):0.00} ms, max {apply.Max():0.00} ms");
        Assert.Equal(10, apply.Count);
    }

    [Fact]
    public async Task Throughput_through_the_node_nat_and_out_of_a_sandbox()
    {
        await bed.StartInAsync(bed.InternetNs, null, "iperf3", "-s", "-B", Allowed, "-p", "5201");
        var direct = await IperfAsync(bed.NodeNs);
        var lease = await bed.Driver.RequireAsync(new JsonObject { ["op"] = "attach_only", ["key"] = "net-measure-nat", ["policy"] = Policy("allow_all") });
        double nat;
        try { nat = await IperfAsync((string)lease["namespace"]!, viaDriver: true); }
        finally { await bed.Driver.RequireAsync(new JsonObject { ["op"] = "release", ["key"] = "net-measure-nat" }); }

        var key = $"net-measure-gvisor-{Guid.NewGuid().ToString("N")[..4]}";
        await bed.StartAsync(key, Policy("allow_all"));
        var seconds = double.Parse(await bed.PythonAsync(key, Probe.Code + $$"""
            body = b'z' * (64 * 1024 * 1024)
            t = time.time()
            answer = urllib.request.urlopen(urllib.request.Request('http://{{Allowed}}/', data=body), timeout=120).read()
            assert answer == str(len(body)).encode(), answer
            print(time.time() - t)
            """, 180), System.Globalization.CultureInfo.InvariantCulture);
        await bed.StopAsync(key);
        var sandbox = 64 * 8 * 1024 * 1024 / seconds / 1e6;
        output.WriteLine($"iperf3 from the node namespace, no NAT: {direct:0} Mbit/s");
        output.WriteLine($"iperf3 from a sandbox namespace through veth, our filter and NAT: {nat:0} Mbit/s");
        output.WriteLine($"64 MiB HTTP upload from Python in a gVisor sandbox (netstack, ptrace): {sandbox:0} Mbit/s");
        Assert.True(nat > 0 && direct > 0 && sandbox > 0);
    }

    /// <param name="viaDriver">the namespace is the node's: its name is bound in the node process's
    /// mount namespace (the node runs under <c>ip netns exec</c>, which gives it a private one)</param>
    private async Task<double> IperfAsync(string ns, bool viaDriver = false)
    {
        string json = "";
        string[] iperf = ["iperf3", "-c", Allowed, "-p", "5201", "-t", "3", "-J"];
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                json = viaDriver
                    ? await NetnsCommand.RunAsync(null, ["nsenter", "-t", bed.Driver.Pid.ToString(), "-m", "ip", "netns", "exec", ns, .. iperf])
                    : await NetnsCommand.RunAsync(ns, iperf);
                break;
            }
            catch (InvalidOperationException) when (attempt < 19) { await Task.Delay(200); }   // the server is still starting
        }
        var doc = JsonNode.Parse(json)!;
        return (double)doc["end"]!["sum_received"]!["bits_per_second"]! / 1e6;
    }
}
