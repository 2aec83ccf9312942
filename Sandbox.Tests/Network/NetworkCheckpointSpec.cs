using System.Text.Json.Nodes;
using static Sandbox.Tests.Network.NetworkTestbed;

namespace Sandbox.Tests.Network;

/// <summary>
/// A networked sandbox through real <c>runsc checkpoint</c> and <c>runsc restore</c> into a new
/// namespace with a new address, and forks of one checkpoint running at once: gVisor's netstack
/// takes the addresses and routes of the namespace it is restored into, the policy comes with the
/// lease, and connections open at the checkpoint are reset while new ones work.
/// </summary>
[Collection(NetworkCollection.Name)]
public sealed class NetworkCheckpointSpec(NetworkTestbed bed) : IAsyncLifetime
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

    private static JsonObject OnlyAllowed => Policy("allow_list", ["allowed.test"]);

    [Fact]
    public async Task A_restored_sandbox_gets_a_new_address_keeps_its_policy_and_makes_new_connections_after_its_open_one_was_reset()
    {
        var key = Key("restore");
        var before = await bed.StartAsync(key, OnlyAllowed);
        Assert.Equal($"{Allowed} {before}", await bed.PythonAsync(key, Probe.Code + "print(resolve('allowed.test'), my_address())"));
        await bed.PythonAsync(key, Probe.Code + Probe.HoldConnection(Allowed) + "open('/tmp/mark', 'w').write('from before')");

        await bed.Driver.RequireAsync(new JsonObject { ["op"] = "checkpoint", ["key"] = key });
        Assert.Empty(await bed.SandboxLeftoversAsync());   // the checkpointed sandbox holds no network
        var restored = (string)(await bed.Driver.RequireAsync(new JsonObject { ["op"] = "restore", ["key"] = key, ["policy"] = OnlyAllowed }))["address"]!;
        Assert.NotEqual(before, restored);

        var after = await bed.PythonAsync(key, Probe.Code + $$"""
            print(open('/tmp/mark').read())
            print(my_address())
            print(get('http://allowed.test/'))
            print(resolve('other.test'))
            print(get('http://{{Other}}/'))
            """ + Probe.ReleaseHeldConnection);
        var lines = after.Split('\n');
        Assert.Equal(["from before", restored, $"served-by {Allowed}", "ERR gaierror", "ERR URLError", $"first served-by {Allowed}"], lines[..6]);
        // the connection that was open at the checkpoint: reset by the save (runsc --net-disconnect-ok)
        Assert.Matches("^second ERR (ConnectionAbortedError|ConnectionResetError|BrokenPipeError|RemoteDisconnected)$", lines[6]);
    }

    [Fact]
    public async Task Two_forks_of_one_checkpoint_run_at_once_each_with_its_own_address_and_the_source_policy()
    {
        var source = Key("source");
        await bed.StartAsync(source, OnlyAllowed);
        await bed.PythonAsync(source, Probe.Code + "open('/tmp/mark', 'w').write('from the source'); print(resolve('allowed.test'))");
        await bed.Driver.RequireAsync(new JsonObject { ["op"] = "checkpoint", ["key"] = source });

        var forks = new[] { Key("fork-a"), Key("fork-b") };
        var addresses = new List<string>();
        foreach (var fork in forks)
            addresses.Add((string)(await bed.Driver.RequireAsync(new JsonObject { ["op"] = "restore", ["key"] = fork, ["from"] = source, ["policy"] = OnlyAllowed }))["address"]!);
        Assert.NotEqual(addresses[0], addresses[1]);

        var seen = await Task.WhenAll(forks.Select(fork => bed.PythonAsync(fork, Probe.Code + $$"""
            print(open('/tmp/mark').read())
            print(my_address())
            print(get('http://allowed.test/'))
            print(get('http://{{Other}}/'))
            """)));
        for (var i = 0; i < forks.Length; i++)
            Assert.Equal(["from the source", addresses[i], $"served-by {Allowed}", "ERR URLError"], seen[i].Split('\n'));

        await bed.PythonAsync(forks[0], "open('/tmp/mark', 'w').write('changed in fork a')");
        Assert.Equal("from the source", await bed.PythonAsync(forks[1], "print(open('/tmp/mark').read())"));
    }
}
