using System.Text.Json.Nodes;
using Sandbox.Actors.Runsc;
using Sandbox.Host.Configuration;

namespace Sandbox.Tests;

/// <summary>The limits come from the environment and end up in the OCI spec runsc is given.</summary>
public class ResourceLimitsConfigSpec
{
    private static RunscOptions From(params (string, string)[] vars)
    {
        var d = vars.ToDictionary(v => v.Item1, v => v.Item2);
        return SandboxHostSettings.FromEnvironment(n => d.GetValueOrDefault(n)).Runsc;
    }

    private static JsonObject Spec(RunscOptions o) => new OciBundle(o, "sandbox-x").BuildConfig("/root-of-x");

    private static JsonObject RunnerLimits(JsonObject spec)
    {
        var entry = spec["process"]!["env"]!.AsArray().Select(e => e!.GetValue<string>())
            .Single(e => e.StartsWith(OciBundle.RunnerLimitsVariable + "="));
        return JsonNode.Parse(entry[(OciBundle.RunnerLimitsVariable.Length + 1)..])!.AsObject();
    }

    [Fact]
    public void Every_limit_has_a_safe_default()
    {
        var l = From().Limits;
        Assert.Equal(1024, l.MemoryMb);
        Assert.Equal(1.0, l.CpuCores);
        Assert.Equal(256, l.Pids);
        Assert.Equal(1024, l.DiskMb);
    }

    [Fact]
    public void The_limits_are_read_from_their_variables_and_zero_turns_one_off()
    {
        var l = From(("SANDBOX_MEMORY_LIMIT_MB", "512"), ("SANDBOX_CPU_LIMIT", "0.5"), ("SANDBOX_PIDS_LIMIT", "0"), ("SANDBOX_DISK_LIMIT_MB", " 200 ")).Limits;
        Assert.Equal(new ResourceLimits { MemoryMb = 512, CpuCores = 0.5, Pids = 0, DiskMb = 200 }, l);
        Assert.Equal(50_000, l.CpuQuotaMicros);
        Assert.Equal((512L + 200 + ResourceLimits.SandboxOverheadMb) << 20, l.HostMemoryBytes);
        Assert.Null(new ResourceLimits { MemoryMb = 0 }.HostMemoryBytes);
        Assert.Null(new ResourceLimits { CpuCores = 0 }.CpuQuotaMicros);
    }

    [Theory]
    [InlineData("SANDBOX_MEMORY_LIMIT_MB", "1g")]
    [InlineData("SANDBOX_PIDS_LIMIT", "-1")]
    [InlineData("SANDBOX_DISK_LIMIT_MB", "lots")]
    [InlineData("SANDBOX_CPU_LIMIT", "half")]
    [InlineData("SANDBOX_CPU_LIMIT", "-0.5")]
    public void A_mistyped_limit_stops_the_node_with_the_variable_named(string name, string value)
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => From((name, value)));
        var problem = Assert.Single(e.Problems);
        Assert.Equal(name, problem.Variable);
        Assert.Equal(value, problem.Value);
    }

    [Fact]
    public void With_cgroups_the_spec_carries_the_memory_cap_and_cpu_quota_for_runsc()
    {
        var o = From(("RUNSC_IGNORE_CGROUPS", "false"), ("SANDBOX_MEMORY_LIMIT_MB", "300"), ("SANDBOX_CPU_LIMIT", "1.5"), ("SANDBOX_DISK_LIMIT_MB", "100"));
        var resources = Spec(o)["linux"]!["resources"]!;
        Assert.Equal((300L + 100 + ResourceLimits.SandboxOverheadMb) << 20, resources["memory"]!["limit"]!.GetValue<long>());
        Assert.Equal(150_000, resources["cpu"]!["quota"]!.GetValue<long>());
        Assert.Equal(100_000, resources["cpu"]!["period"]!.GetValue<long>());
    }

    [Fact]
    public void With_cgroups_ignored_the_spec_has_no_resources_since_runsc_would_not_apply_them()
    {
        Assert.Null(Spec(From(("RUNSC_IGNORE_CGROUPS", "true"), ("SANDBOX_MEMORY_LIMIT_MB", "300")))["linux"]!["resources"]);
    }

    [Fact]
    public void The_runner_is_told_the_limits_it_applies_to_each_execution()
    {
        var limits = RunnerLimits(Spec(From(("SANDBOX_MEMORY_LIMIT_MB", "300"), ("SANDBOX_PIDS_LIMIT", "50"), ("SANDBOX_DISK_LIMIT_MB", "70"))));
        Assert.Equal(300, limits["memory_mb"]!.GetValue<int>());
        Assert.Equal(50, limits["pids"]!.GetValue<int>());
        Assert.Equal(70, limits["disk_mb"]!.GetValue<int>());
        // a read-only root has no writable layer to fill
        Assert.Equal(0, RunnerLimits(Spec(From(("RUNSC_READONLY_FILESYSTEM", "true"))))["disk_mb"]!.GetValue<int>());
    }
}
