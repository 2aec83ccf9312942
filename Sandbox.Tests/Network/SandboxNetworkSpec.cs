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
            """);
        Assert.Equal(["served-by 198.51.100.10", "served-by 198.51.100.10", Other], output.Split('\n'));
    }
}
