using System.Text.Json.Nodes;
using Sandbox.Actors.Network;
using Sandbox.Actors.Runsc;

namespace Sandbox.Tests.Network;

/// <summary>How RunscCli and OciBundle start a container with and without a network lease.</summary>
public sealed class RunscNetworkHookSpec
{
    private static (RunscOptions, ContainerNetworks) Options()
    {
        var networks = new ContainerNetworks();
        networks.Set("sandbox-net", new ContainerNetwork("/run/netns/gsabcde-12345678", "nameserver 10.213.0.1\n"));
        return (new RunscOptions() with { Networks = networks }, networks);
    }

    [Fact]
    public void A_container_with_a_lease_launches_with_gvisors_netstack_in_a_mount_namespace_that_hides_proc_sys_net()
    {
        var (o, _) = Options();
        var run = new RunscCli(o).StartInfo("sandbox-net", "run", "--bundle", "/b", "sandbox-net");
        Assert.Equal("unshare", run.FileName);
        var args = run.ArgumentList.ToList();
        Assert.Equal(["--mount", "--propagation", "slave", "--", "sh", "-c"], args[..6]);
        Assert.Contains("/proc/sys/net", args[6]);
        Assert.Equal("runsc", args[7]);
        Assert.Contains("--network=sandbox", args);
        Assert.Contains("--net-disconnect-ok", args);
        Assert.DoesNotContain("--network=none", args);
        Assert.Equal(["run", "--bundle", "/b", "sandbox-net"], args[^4..]);
        // a restore runs under its reaper, which runs the same workaround
        var restore = new RunscCli(o).StartInfo("sandbox-net", "restore", "--image-path=/i", "sandbox-net");
        Assert.Equal("tini", restore.FileName);
        Assert.Equal(["-s", "--", "unshare", "--mount"], restore.ArgumentList.Take(4));
    }

    [Fact]
    public void A_restore_runs_under_a_child_subreaper_that_reaps_the_gofer_runsc_restore_leaves_and_nothing_else_does()
    {
        var o = new RunscOptions();
        var restore = new RunscCli(o).StartInfo("sandbox-plain", "restore", "--image-path=/i", "sandbox-plain");
        Assert.Equal("tini", restore.FileName);
        Assert.Equal(["-s", "--", "runsc"], restore.ArgumentList.Take(3));
        Assert.Equal(["restore", "--image-path=/i", "sandbox-plain"], restore.ArgumentList.TakeLast(3));
        foreach (var other in new[] { "run", "checkpoint", "delete" })
            Assert.Equal("runsc", new RunscCli(o).StartInfo("sandbox-plain", other, "sandbox-plain").FileName);
    }

    [Fact]
    public void Other_commands_of_a_networked_container_run_runsc_directly_with_the_same_network_flags()
    {
        var (o, _) = Options();
        var checkpoint = new RunscCli(o).StartInfo("sandbox-net", "checkpoint", "--image-path=/i", "sandbox-net");
        Assert.Equal("runsc", checkpoint.FileName);
        Assert.Contains("--network=sandbox", checkpoint.ArgumentList);
    }

    [Fact]
    public void A_container_without_a_lease_keeps_network_none_and_no_network_namespace()
    {
        var (o, _) = Options();
        var run = new RunscCli(o).StartInfo("sandbox-other", "run", "--bundle", "/b", "sandbox-other");
        Assert.Equal("runsc", run.FileName);
        Assert.Contains("--network=none", run.ArgumentList);
        var spec = new OciBundle(o, "sandbox-other").BuildConfig("/root");
        Assert.DoesNotContain(spec["linux"]!["namespaces"]!.AsArray(), n => (string?)n!["type"] == "network");
    }

    [Fact]
    public void The_spec_of_a_networked_container_names_its_namespace()
    {
        var (o, _) = Options();
        var spec = new OciBundle(o, "sandbox-net").BuildConfig("/root");
        var network = spec["linux"]!["namespaces"]!.AsArray().Single(n => (string?)n!["type"] == "network")!;
        Assert.Equal("/run/netns/gsabcde-12345678", (string?)network["path"]);
    }
}
