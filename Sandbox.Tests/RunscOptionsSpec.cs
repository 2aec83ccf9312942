using Sandbox.Actors.Runsc;
using Sandbox.Host.Configuration;

namespace Sandbox.Tests;

public class RunscOptionsSpec
{
    private static RunscOptions From(params (string, string)[] vars)
    {
        var d = vars.ToDictionary(v => v.Item1, v => v.Item2);
        return SandboxHostSettings.FromEnvironment(n => d.GetValueOrDefault(n)).Runsc;
    }

    [Fact]
    public void Defaults_follow_the_protocol_with_ptrace_and_no_network()
    {
        var o = From(("RUNSC_IGNORE_CGROUPS", "true"));
        Assert.Equal("ptrace", o.Platform);
        Assert.Equal("/tmp/runsc_root_sandbox-x", o.RootDirFor("sandbox-x"));
        Assert.Equal("/tmp/runsc_bundle_sandbox-x", o.BundleDirFor("sandbox-x"));
        var args = new RunscCli(o).StartInfo("sandbox-x", "list").ArgumentList.ToList();
        Assert.Equal(["--root=/tmp/runsc_root_sandbox-x", "--ignore-cgroups", "--platform=ptrace", "--network=none", "--overlay2=none", "list"], args);
    }

    [Fact]
    public void By_default_sandboxes_get_host_cgroups_wherever_the_host_has_them()
    {
        var o = From();
        Assert.Equal(!HostCgroups.Usable, o.IgnoreCgroups);
        Assert.Equal(!HostCgroups.Usable, new RunscOptions().IgnoreCgroups);   // settings built in code too
        // this machine has them (cgroup v1 is mounted): its sandboxes' limits hold on the host
        if (Directory.Exists("/sys/fs/cgroup/memory")) Assert.DoesNotContain("--ignore-cgroups", new RunscCli(o).StartInfo("sandbox-x", "list").ArgumentList);
    }

    [Fact]
    public void Every_variable_is_honoured_including_the_misspelt_packet_logging_one()
    {
        var o = From(("RUNSC_USE_SUDO", "1"), ("RUNSC_ROOTLESS", "TRUE"), ("RUNSC_ROOT_DIR_BASE", "/r"), ("RUNSC_BUNDLE_DIR_BASE", "/b"),
            ("RUNSC_IGNORE_CGROUPS", "false"), ("RUNSC_PLATFORM", "systrap"), ("RUNSC_READONLY_FILESYSTEM", "true"),
            ("GVISOR_DEBUG", "true"), ("GVISOR_STRACE", "1"), ("GVISOR_LOG_PACEKTS", "true"), ("GVISOR_DEBUG_LOG_DIR", "/logs"));
        var psi = new RunscCli(o).StartInfo("sandbox-x", "state", "sandbox-x");
        Assert.Equal("sudo", psi.FileName);
        Assert.Equal(["runsc", "--debug-log=/logs/sandbox-x/", "--debug", "--log-packets", "--strace", "--root=/r/runsc_root_sandbox-x",
            "--rootless", "--platform=systrap", "--network=none", "--overlay2=none", "state", "sandbox-x"], psi.ArgumentList.ToList());
        Assert.True(o.ReadonlyFilesystem);
        Assert.Equal("/b/runsc_bundle_sandbox-x", o.BundleDirFor("sandbox-x"));
    }

    [Fact]
    public void An_empty_platform_leaves_the_choice_to_runsc()
    {
        Assert.DoesNotContain(new RunscCli(From(("RUNSC_PLATFORM", ""))).StartInfo("s", "list").ArgumentList, a => a.StartsWith("--platform"));
    }
}
