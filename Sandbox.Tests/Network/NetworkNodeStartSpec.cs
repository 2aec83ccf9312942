using static Sandbox.Tests.Network.NetworkTestbed;

namespace Sandbox.Tests.Network;

/// <summary>What the node's configuration does at start: a pool that collides with a network the
/// node uses is refused naming the variable; an operator's private range becomes reachable.</summary>
[Collection(NetworkCollection.Name)]
public sealed class NetworkNodeStartSpec(NetworkTestbed bed)
{
    [Fact]
    public async Task A_pool_that_overlaps_a_network_of_the_node_stops_it_naming_the_variable()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            bed.StartAnotherDriverAsync(new Dictionary<string, string> { ["SANDBOX_NETWORK_SUBNET"] = "203.0.113.0/25" }));
        Assert.Contains("SANDBOX_NETWORK_SUBNET=203.0.113.0/25", e.Message);
        Assert.Empty(await bed.SandboxLeftoversAsync());
    }

    [Fact]
    public async Task An_operator_listed_private_range_is_reachable_when_a_policy_allows_it()
    {
        try
        {
            await bed.RestartDriverAsync(new Dictionary<string, string> { ["SANDBOX_NETWORK_ALLOW_PRIVATE"] = "10.99.0.0/24" });
            var listed = "net-private-" + Guid.NewGuid().ToString("N")[..6];
            await bed.StartAsync(listed, Policy("allow_list", [Private]));
            var all = "net-private-all-" + Guid.NewGuid().ToString("N")[..6];
            await bed.StartAsync(all, Policy("allow_all"));
            Assert.Equal($"served-by {Private}", await bed.PythonAsync(listed, Probe.Code + $"print(get('http://{Private}/'))"));
            // still denied: the rest of the private ranges, and a policy that does not allow it
            Assert.Equal($"served-by {Private} ERR URLError", await bed.PythonAsync(all, Probe.Code + $"print(get('http://{Private}/'), get('http://{Cgnat}/'))"));
            Assert.Equal("ERR URLError", await bed.PythonAsync(listed, Probe.Code + $"print(get('http://{Cgnat}/'))"));
            await bed.StopAsync(listed);
            await bed.StopAsync(all);
        }
        finally
        {
            await bed.RestartDriverAsync();
        }
        Assert.Empty(await bed.SandboxLeftoversAsync());
    }
}
