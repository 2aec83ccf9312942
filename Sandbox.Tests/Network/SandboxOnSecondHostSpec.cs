using static Sandbox.Tests.Network.NetworkTestbed;

namespace Sandbox.Tests.Network;

/// <summary>
/// A networked sandbox paused on one host and resumed on another (API-v1 §5 and §6): the second
/// host is a namespace of its own with its own link to the fake internet, its own netfilter and
/// address pool, sharing only the journal and the checkpoint store with the first. It rebuilds the
/// sandbox's network from the journaled policy alone.
/// </summary>
public sealed class SandboxOnSecondHostSpec : IAsyncLifetime
{
    private readonly NetworkedServerTestbed _bed = new();

    public Task InitializeAsync() => _bed.InitializeAsync();
    public Task DisposeAsync() => _bed.DisposeAsync();

    private const string Reach = Probe.Code + $$"""
        print(my_address())
        print(get('http://allowed.test/peer'))
        print(get('http://{{Other}}/'))
        print(resolve('other.test'))
        """;

    [Fact]
    public async Task A_sandbox_paused_on_one_host_resumes_on_another_under_its_policy_with_an_address_of_that_host()
    {
        var bed = _bed;
        var (id, token) = await bed.CreateAsync(new { idle_timeout = 300, enable_checkpoint = true, network = new { egress = "allow_list", allow = new[] { "allowed.test" } } });
        var before = (await bed.PythonAsync(id, token, "open('/root/mark', 'w').write('from the first host')\n" + Reach)).Split('\n');
        Assert.Equal([$"peer {NodeAddress}", "ERR URLError", "ERR gaierror"], before[1..]);

        var (paused, pausedView) = await bed.CallAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", token);
        Assert.True(paused == 200, NetworkedServerTestbed.Text(pausedView));
        await bed.MoveNodeToSecondHostAsync();   // the first host is gone, and left nothing behind

        // the first call that needs the sandbox resumes it, here on the only host there is
        var after = (await bed.PythonAsync(id, token, "print(open('/root/mark').read())\n" + Reach)).Split('\n');
        Assert.Equal(["from the first host"], after[..1]);
        Assert.Equal([$"peer {SecondNodeAddress}", "ERR URLError", "ERR gaierror"], after[2..]);
        // its address is a lease of the second host's own network
        var lease = Assert.Single((await bed.LeasesAsync()).Values.Where(l => !l.WaitingInPool));
        Assert.Equal(after[1], lease.Address);
        Assert.StartsWith(bed.NamespacePrefix, Path.GetFileName(lease.Namespace));

        var (status, view) = await bed.CallAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", token);
        Assert.Equal(200, status);
        Assert.Equal(("running", "allow_list", "allowed.test"),
            ((string?)view!["state"], (string?)view["network"]?["egress"], (string?)view["network"]?["allow"]?[0]));

        Assert.Equal(204, (await bed.CallAsync(HttpMethod.Delete, $"/v1/sandboxes/{id}", token)).Status);
        var left = await NetworkedServerTestbed.EventuallyAsync(bed.NonPoolLeftoversAsync, l => l.Count == 0);
        Assert.True(left.Count == 0, "sandbox networks left on the second host: " + string.Join(", ", left));
    }
}
