using static Sandbox.Tests.Network.NetworkTestbed;

namespace Sandbox.Tests.Network;

/// <summary>A node killed with SIGKILL leaves namespaces, veths and its nftables table behind; the
/// next start on that node removes them before it hands out addresses.</summary>
[Collection(NetworkCollection.Name)]
public sealed class NetworkCrashSpec(NetworkTestbed bed)
{
    [Fact]
    public async Task A_node_restarted_after_a_crash_sweeps_what_the_dead_one_left_and_networks_new_sandboxes()
    {
        var keys = new[] { "net-crash-a-" + Guid.NewGuid().ToString("N")[..6], "net-crash-b-" + Guid.NewGuid().ToString("N")[..6] };
        foreach (var key in keys) await bed.StartAsync(key, Policy("allow_all"));
        var prefix = bed.NamespacePrefix;
        Assert.Equal(2, Directory.GetFiles("/run/netns").Count(n => Path.GetFileName(n).StartsWith(prefix)));

        var log = await bed.CrashAndRestartDriverAsync();

        Assert.Contains("removed 2 sandbox network(s)", log);
        Assert.Empty(await bed.SandboxLeftoversAsync());
        var fresh = "net-after-crash-" + Guid.NewGuid().ToString("N")[..6];
        var address = await bed.StartAsync(fresh, Policy("allow_all"));
        Assert.Equal($"served-by {Allowed} {address}", await bed.PythonAsync(fresh, Probe.Code + $"print(get('http://{Allowed}/'), my_address())"));
        await bed.StopAsync(fresh);
        foreach (var key in keys) await bed.StopAsync(key);
        Assert.Empty(await bed.SandboxLeftoversAsync());
        Assert.Empty(NetworkTestbed.ProcessesMentioning(Path.Combine(bed.Dir, "state")));
    }
}
