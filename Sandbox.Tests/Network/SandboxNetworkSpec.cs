using System.Text.Json.Nodes;
using static Sandbox.Tests.Network.NetworkTestbed;

namespace Sandbox.Tests.Network;

/// <summary>
/// Every policy of API-v1 §6 on real gVisor sandboxes (runsc --network=sandbox) behind real
/// nftables, on a node inside a test namespace whose only link leads to a test-made fake internet.
/// After every test no sandbox network is left (namespaces, veths, per-sandbox chains, sets,
/// counters); after the class no table, namespace or process.
/// </summary>
[Collection(NetworkCollection.Name)]
public sealed class SandboxNetworkSpec(NetworkTestbed bed) : IAsyncLifetime
{
    private readonly List<string> _keys = [];

    private string Key(string name)
    {
        var key = $"net-{name}-{Guid.NewGuid().ToString("N")[..6]}";
        _keys.Add(key);
        return key;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var key in _keys) await bed.StopAsync(key);
        var leftovers = await bed.SandboxLeftoversAsync();
        Assert.True(leftovers.Count == 0, "sandbox networks left after the test: " + string.Join(", ", leftovers));
    }

    [Fact]
    public async Task Allow_all_reaches_the_internet_by_name_and_by_address_and_the_answer_comes_back()
    {
        var key = Key("all");
        await bed.StartAsync(key, Policy("allow_all"));
        var output = await bed.PythonAsync(key, Probe.Code + """
            print(get('http://198.51.100.10/'))
            print(get('http://allowed.test/'))
            print(resolve('other.test'))
            print(open('/etc/resolv.conf').read().strip())
            """);
        Assert.Equal(["served-by 198.51.100.10", "served-by 198.51.100.10", Other, $"nameserver {bed.Gateway}"], output.Split('\n'));
    }

    [Fact]
    public async Task Allow_all_never_reaches_private_cgnat_link_local_ranges_nor_the_node_itself()
    {
        // Each target answers when asked from the node's namespace, so a refusal below is the policy's.
        foreach (var target in new[] { Private, Cgnat, LinkLocal })
            Assert.Equal($"served-by {target}", await bed.FromNodeAsync($"http://{target}/"));
        var key = Key("private");
        await bed.StartAsync(key, Policy("allow_all"));
        var output = await bed.PythonAsync(key, Probe.Code + $$"""
            for url in ['http://{{Private}}/', 'http://private.test/', 'http://{{Cgnat}}/', 'http://{{LinkLocal}}/',
                        'http://{{NodeAddress}}:{{NodePort}}/', 'http://{{bed.Gateway}}:{{NodePort}}/', 'http://{{Allowed}}/']:
                print(url, get(url))
            """);
        var lines = output.Split('\n');
        Assert.All(lines[..^1], l => Assert.Contains(" ERR ", l));
        Assert.Equal($"http://{Allowed}/ served-by {Allowed}", lines[^1]);
    }

    [Fact]
    public async Task None_reaches_nothing_but_its_own_loopback()
    {
        var key = Key("none");
        await bed.StartAsync(key, Policy("none"));
        var output = await bed.PythonAsync(key, Probe.Code + $$"""
            import threading
            srv = socket.socket(); srv.bind(('127.0.0.1', 7000)); srv.listen(1)
            print(conn('127.0.0.1', 7000))
            print(get('http://{{Allowed}}/'))
            print(resolve('allowed.test'))
            """);
        Assert.Equal(["open", "ERR URLError", "ERR gaierror"], output.Split('\n'));
    }

    [Fact]
    public async Task An_allowed_name_resolves_and_connects_while_a_second_name_is_refused_by_DNS_and_by_address()
    {
        var key = Key("names");
        await bed.StartAsync(key, Policy("allow_list", ["allowed.test"]));
        var output = await bed.PythonAsync(key, Probe.Code + $$"""
            print(get('http://{{Allowed}}/'))      # not looked up yet: its address is not allowed
            print(resolve('allowed.test'))
            print(get('http://{{Allowed}}/'))      # now it is, for the answer's TTL
            print(get('http://allowed.test/'))
            print(resolve('other.test'))
            print(get('http://{{Other}}/'))
            """);
        Assert.Equal(["ERR URLError", Allowed, $"served-by {Allowed}", $"served-by {Allowed}", "ERR gaierror", "ERR URLError"], output.Split('\n'));
    }

    [Fact]
    public async Task An_allowed_range_is_reached_by_address_and_names_outside_the_list_do_not_resolve()
    {
        var key = Key("cidr");
        await bed.StartAsync(key, Policy("allow_list", ["203.0.113.0/24"]));
        var output = await bed.PythonAsync(key, Probe.Code + $$"""
            print(get('http://{{Wild}}/'))
            print(get('http://{{Allowed}}/'))
            print(resolve('allowed.test'))
            """);
        Assert.Equal([$"served-by {Wild}", "ERR URLError", "ERR gaierror"], output.Split('\n'));
    }

    [Fact]
    public async Task A_wildcard_matches_one_or_more_labels_but_not_the_name_itself()
    {
        var key = Key("wild");
        await bed.StartAsync(key, Policy("allow_list", ["*.wild.test"]));
        var output = await bed.PythonAsync(key, Probe.Code + """
            print(get('http://a.wild.test/'))
            print(get('http://b.c.wild.test/'))
            print(resolve('wild.test'))
            print(resolve('allowed.test'))
            """);
        Assert.Equal([$"served-by {Wild}", $"served-by {Wild}", "ERR gaierror", "ERR gaierror"], output.Split('\n'));
    }

    [Fact]
    public async Task Deny_overrides_allow_for_addresses_and_names()
    {
        var listed = Key("deny-list");
        await bed.StartAsync(listed, Policy("allow_list", ["198.51.100.0/24"], [Other]));
        var all = Key("deny-all");
        await bed.StartAsync(all, Policy("allow_all", deny: ["other.test", "203.0.113.0/24"]));
        var fromList = await bed.PythonAsync(listed, Probe.Code + $"print(get('http://{Allowed}/')); print(get('http://{Other}/'))");
        Assert.Equal([$"served-by {Allowed}", "ERR URLError"], fromList.Split('\n'));
        var fromAll = await bed.PythonAsync(all, Probe.Code + $"print(get('http://allowed.test/')); print(resolve('other.test')); print(get('http://{Wild}/'))");
        Assert.Equal([$"served-by {Allowed}", "ERR gaierror", "ERR URLError"], fromAll.Split('\n'));
    }

    [Fact]
    public async Task Sandboxes_reach_neither_each_other_nor_are_reached_from_the_node()
    {
        var server = Key("server");
        var serverAddress = await bed.StartAsync(server, Policy("allow_all"));
        var client = Key("client");
        await bed.StartAsync(client, Policy("allow_all"));
        var listening = await bed.PythonAsync(server, Probe.Code + """
            import subprocess, sys
            subprocess.Popen([sys.executable, '-c', "import socket,time\ns=socket.socket()\ns.bind(('0.0.0.0',7000))\ns.listen(64)\nwhile True:\n  c,_=s.accept()\n  c.close()"],
                             start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i in range(50):
                if conn('127.0.0.1', 7000) == 'open': break
                time.sleep(0.1)
            print(conn('127.0.0.1', 7000), my_address())
            """);
        Assert.Equal($"open {serverAddress}", listening);
        Assert.StartsWith("ERR", await bed.PythonAsync(client, Probe.Code + $"print(conn('{serverAddress}', 7000))"));
        Assert.StartsWith("ERR", await bed.ConnectFromNodeAsync(serverAddress, 7000));
    }

    [Fact]
    public async Task A_policy_change_applies_to_the_next_connection_and_leaves_open_ones_alone()
    {
        var key = Key("change");
        await bed.StartAsync(key, Policy("none"));
        Assert.Equal("ERR URLError", await bed.PythonAsync(key, Probe.Code + $"print(get('http://{Allowed}/'))"));
        await bed.ApplyAsync(key, Policy("allow_all"));
        // one attempt, right after the change returned
        Assert.Equal($"served-by {Allowed}", await bed.PythonAsync(key, Probe.Code + $"print(get('http://{Allowed}/', 5))"));
        await bed.PythonAsync(key, Probe.Code + Probe.HoldConnection(Allowed));
        await bed.ApplyAsync(key, Policy("allow_list", ["allowed.test"]));
        var after = await bed.PythonAsync(key, Probe.Code + $$"""
            print(get('http://{{Allowed}}/'))
            print(get('http://{{Wild}}/'))
            """ + Probe.ReleaseHeldConnection);
        Assert.Equal(["ERR URLError", "ERR URLError", $"first served-by {Allowed}", $"second served-by {Allowed}"], after.Split('\n'));
    }

    [Fact]
    public async Task Bytes_sent_and_received_are_counted_per_sandbox()
    {
        var key = Key("usage");
        var idle = Key("idle");
        await bed.StartAsync(key, Policy("allow_all"));
        await bed.StartAsync(idle, Policy("allow_all"));
        var output = await bed.PythonAsync(key, Probe.Code + $$"""
            body = urllib.request.urlopen('http://{{Allowed}}/bytes?n=2000000', timeout=10).read()
            sent = urllib.request.urlopen(urllib.request.Request('http://{{Allowed}}/', data=b'y' * 1000000), timeout=10).read()
            print(len(body), sent.decode())
            """);
        Assert.Equal("2000000 1000000", output);
        var usage = await bed.Driver.RequireAsync(new JsonObject { ["op"] = "usage", ["key"] = key });
        var received = (long)usage["bytes_received"]!;
        var sentBytes = (long)usage["bytes_sent"]!;
        Assert.InRange(received, 2_000_000, 2_600_000);
        Assert.InRange(sentBytes, 1_000_000, 1_400_000);
        var quiet = await bed.Driver.RequireAsync(new JsonObject { ["op"] = "usage", ["key"] = idle });
        Assert.Equal(0L, (long)quiet["bytes_received"]!);
    }

    [Fact]
    public async Task A_connection_flood_is_held_at_the_limit_while_a_bystander_is_served()
    {
        var flooder = Key("flood");
        var bystander = Key("bystander");
        await bed.StartAsync(flooder, Policy("allow_all"));
        await bed.StartAsync(bystander, Policy("allow_all"));
        var held = int.Parse(await bed.PythonAsync(flooder, Probe.Code + Probe.ConnectionFlood(Allowed, 200)));
        Assert.InRange(held, 1, NetworkTestbed.MaxConnections);
        Assert.Equal($"served-by {Allowed}", await bed.PythonAsync(bystander, Probe.Code + $"print(get('http://{Allowed}/'))"));
        Assert.Equal("ERR URLError", await bed.PythonAsync(flooder, Probe.Code + $"print(get('http://{Allowed}/'))"));
    }

    [Fact]
    public async Task A_DNS_flood_is_rate_limited_while_a_bystander_still_resolves()
    {
        var flooder = Key("dnsflood");
        var bystander = Key("dnsbystander");
        await bed.StartAsync(flooder, Policy("allow_all"));
        await bed.StartAsync(bystander, Policy("allow_all"));
        await bed.PythonAsync(flooder, Probe.Code + Probe.StartDnsFlood(bed.Gateway, "allowed.test", seconds: 3));
        var resolved = await bed.PythonAsync(bystander, Probe.Code + """
            ok = 0
            for i in range(10):
                ok += resolve('allowed.test') != 'ERR gaierror'
                time.sleep(0.1)
            print(ok)
            """);
        var flood = (await bed.PythonAsync(flooder, Probe.Code + Probe.DnsFloodResult)).Split(' ').Select(int.Parse).ToArray();
        Assert.Equal("10", resolved);
        var (sent, answered) = (flood[0], flood[1]);
        Assert.True(sent > 1000, $"the flood sent only {sent} queries");
        // 20 queries/s with a burst of 40 over ~3 s, give or take the start
        Assert.InRange(answered, 1, 150);
    }

    [Fact]
    public async Task A_policy_for_a_released_network_is_refused()
    {
        var key = Key("ended");
        await bed.StartAsync(key, Policy("allow_all"));
        var lease = await bed.Driver.RequireAsync(new JsonObject { ["op"] = "leases" });
        Assert.Contains(lease["leases"]!.AsArray(), l => (string?)l!["key"] == key);
        await bed.StopAsync(key);
        var reply = await bed.Driver.SendAsync(new JsonObject { ["op"] = "apply", ["key"] = key, ["policy"] = Policy("none") });
        Assert.False((bool)reply["ok"]!);
    }

    [Fact]
    public async Task The_gateway_address_answers_nobody_but_sandboxes()
    {
        Assert.Equal("open", await bed.ConnectFromNodeAsync(NodeAddress, NodePort));
        Assert.StartsWith("ERR", await bed.ConnectFromNodeAsync(bed.Gateway, NodePort));
    }
}
