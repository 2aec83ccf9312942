using System.Diagnostics;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

public sealed class TightLimitsFixture : ServerFixture
{
    protected override SandboxHostSettings Customize(SandboxHostSettings s) =>
        s with { Sandboxes = s.Sandboxes with { ExecutionTimeLimit = TimeSpan.FromSeconds(2), ExecutionOutputLimitBytes = 1_000_000 } };
}

/// <summary>Issue 8 (part): per-execution limits end the execution with a clear message, not the sandbox.</summary>
public class LimitsSpec(TightLimitsFixture server) : IClassFixture<TightLimitsFixture>
{
    private const string S = "status:";

    [Fact]
    public async Task An_execution_over_its_time_limit_is_killed_with_a_message_and_the_sandbox_stays_usable()
    {
        var (c, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        await using var _c = c;
        var sw = Stopwatch.StartNew();
        var events = await CheckpointSpec.Run(c, "bash", "echo started; sleep 30; echo never");
        Assert.InRange(sw.Elapsed.TotalSeconds, 1.5, 10);
        Assert.Contains("wall-clock limit of 2 s exceeded", string.Concat(events.Where(e => e.StartsWith("stderr:"))));
        Assert.Equal([S + SandboxStatus.ExecutionForceKilled, S + SandboxStatus.ExecutionDone], events.Where(e => e.StartsWith(S)).Skip(1));
        Assert.DoesNotContain("never", CheckpointSpec.Stdout(events));
        Assert.Equal("ok\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(c, "bash", "echo ok")));
    }

    [Fact]
    public async Task An_execution_over_its_output_limit_is_killed_with_a_message()
    {
        var (c, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        await using var _c = c;
        var events = await CheckpointSpec.Run(c, "python", "while True:\n    print('y' * 1000)");
        Assert.Contains("output limit of 1000000 bytes exceeded", string.Concat(events.Where(e => e.StartsWith("stderr:"))));
        Assert.InRange(CheckpointSpec.Stdout(events).Length, 1_000_000, 3_000_000);
        Assert.Equal("ok\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(c, "bash", "echo ok")));
    }

    [Fact]
    public async Task Http_execute_reports_the_limit_in_the_body()
    {
        using var http = new HttpClient { BaseAddress = server.HttpBase };
        var body = await (await http.PostAsync("/execute?language=bash", new StringContent("echo a; sleep 30"))).Content.ReadAsStringAsync();
        Assert.StartsWith("a\n", body);
        Assert.Contains("wall-clock limit of 2 s exceeded", body);
    }
}
