using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway.Api;

namespace Sandbox.Tests.Operations;

/// <summary>
/// The node's history for the dashboard's charts and the gauges of /metrics, on one in-process node
/// that samples every second: a create, an exec, a pause and a resume show up in the percentiles, a
/// running sandbox in the memory of its host and a paused one in the catalog's states.
/// </summary>
public class MetricsHistorySpec(AdminNodeFixture node) : IClassFixture<AdminNodeFixture>
{
    private const string S = "status:";
    private ISandboxApi Api => node.App.Services.GetRequiredService<ISandboxApi>();

    private static T Ok<T>(ApiResult<T> r) => r.Ok ? r.Value : throw new Xunit.Sdk.XunitException($"{r.Error!.Kind}: {r.Error.Detail}");

    private async Task<List<JsonElement>> Samples(DateTimeOffset? since = null)
    {
        using var http = new HttpClient();
        var body = await http.GetStringAsync($"{node.AdminUrl}/admin/history" + (since is { } t ? $"?since={t.ToUnixTimeMilliseconds()}" : ""));
        var host = JsonDocument.Parse(body).RootElement.GetProperty("hosts").EnumerateArray().Single();
        Assert.Equal(node.Node, host.GetProperty("node").GetString());
        Assert.Equal(1.0, host.GetProperty("intervalSeconds").GetDouble());
        return host.GetProperty("samples").EnumerateArray().Select(s => s.Clone()).ToList();
    }

    /// <summary>The first sample taken after <paramref name="after"/> that satisfies <paramref name="want"/> (within 30 s).</summary>
    private async Task<JsonElement> SampleWhere(DateTimeOffset after, Func<JsonElement, bool> want, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var found = (await Samples(after)).FirstOrDefault(want);
            if (found.ValueKind == JsonValueKind.Object) return found;
            Assert.True(DateTime.UtcNow < deadline, $"no sample {what} within 30 s; last: {(await Samples()).LastOrDefault()}");
            await Task.Delay(300);
        }
    }

    private static int Count(JsonElement sample, string op) => sample.GetProperty(op).GetProperty("count").GetInt32();

    [Fact]
    public async Task The_history_shows_a_create_an_exec_a_restore_and_the_memory_the_running_sandbox_holds()
    {
        var start = DateTimeOffset.UtcNow;
        var v = Ok(await Api.CreateAsync(Caller.Local(), new CreateSandboxRequest { EnableCheckpoint = true }, default));
        var caller = Caller.Local(v.SandboxToken);
        try
        {
            await using (var ws = await CheckpointSpec.Attach(node, v.SandboxId, v.SandboxToken!))
            {
                await ws.ReadUntilAsync(e => e == S + SandboxStatus.Running);
                // 16 MiB in its writable layer (a tmpfs on the host: host memory no process maps)
                Assert.Equal("held\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(ws, "python",
                    "open('/root/held', 'w').write('x' * (16 << 20))\nprint('held')")));
            }
            var running = await SampleWhere(start, s => Count(s, "create") >= 1 && Count(s, "exec") >= 1 && s.GetProperty("running").GetInt32() >= 1
                                                        && s.GetProperty("sandboxLayersBytes").GetInt64() > 0, "with the create, the exec and the running sandbox's file");
            Assert.True(running.GetProperty("create").GetProperty("p50").GetDouble() > 0);
            Assert.True(running.GetProperty("create").GetProperty("p95").GetDouble() >= running.GetProperty("create").GetProperty("p50").GetDouble());
            Assert.True(running.GetProperty("createsLastMinute").GetInt32() >= 1);
            // its gVisor processes (runsc, sentry, gofer, stubs) hold more than 10 MiB, and the machine has memory left
            Assert.True(running.GetProperty("sandboxProcesses").GetInt32() >= 2, running.ToString());
            Assert.True(running.GetProperty("sandboxLayersBytes").GetInt64() >= 16L << 20, running.ToString());
            Assert.True(running.GetProperty("sandboxesMemoryBytes").GetInt64() > running.GetProperty("sandboxLayersBytes").GetInt64() + (10L << 20), running.ToString());
            var available = running.GetProperty("memAvailableBytes").GetInt64();
            Assert.True(available > 0 && available <= running.GetProperty("memTotalBytes").GetInt64(), running.ToString());

            var paused = Ok(await Api.PauseAsync(caller, v.SandboxId, default));
            Assert.Equal("paused", paused.State);
            var afterPause = DateTimeOffset.UtcNow;
            var resting = await SampleWhere(afterPause, s => s.GetProperty("paused").ValueKind == JsonValueKind.Number && s.GetProperty("paused").GetInt32() >= 1
                                                             && s.GetProperty("sandboxProcesses").GetInt32() == 0, "with the paused sandbox and no gVisor process");
            Assert.True(resting.GetProperty("running").GetInt32() == 0, resting.ToString());

            Ok(await Api.ResumeAsync(caller, v.SandboxId, default));
            await SampleWhere(DateTimeOffset.UtcNow, s => Count(s, "restore") >= 1 && s.GetProperty("restore").GetProperty("p95").GetDouble() > 0, "with the restore");
        }
        finally
        {
            await Api.DeleteAsync(caller, v.SandboxId, default);
        }

        // what was sampled is also on /metrics, under the names Prometheus and the Grafana dashboard use
        await SampleWhere(DateTimeOffset.UtcNow, s => s.GetProperty("ended").GetInt32() >= 1, "with the ended sandbox");
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(node.AdminUrl + "/metrics");
        var node_ = $"node=\"{node.Node}\"";
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("sandbox_host_memory_available_bytes{") && l.Contains(node_));
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("sandbox_sandboxes_memory_bytes{") && l.Contains(node_));
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("sandbox_catalog_sandboxes{") && l.Contains("state=\"ended\"") && !l.EndsWith(" 0"));
    }

    [Fact]
    public async Task Every_metric_the_grafana_dashboard_queries_is_named_as_the_exporter_names_it()
    {
        // deploy/validate.py derives the Prometheus names from SandboxMetrics.cs; a real scrape must use the same ones
        var v = Ok(await Api.CreateAsync(Caller.Local(), new CreateSandboxRequest { EnableCheckpoint = true }, default));
        var caller = Caller.Local(v.SandboxToken);
        await using (var ws = await CheckpointSpec.Attach(node, v.SandboxId, v.SandboxToken!))
        {
            await ws.ReadUntilAsync(e => e == S + SandboxStatus.Running);
            await CheckpointSpec.Run(ws, "python", "print(1)");
        }
        Ok(await Api.PauseAsync(caller, v.SandboxId, default));
        Ok(await Api.ResumeAsync(caller, v.SandboxId, default));
        Ok(await Api.DeleteAsync(caller, v.SandboxId, default));
        await SampleWhere(DateTimeOffset.UtcNow, s => s.GetProperty("ended").ValueKind == JsonValueKind.Number, "counted from the catalog");

        var psi = new ProcessStartInfo("python3", [Path.Combine(Sandboxctl.RepoRoot, "deploy/validate.py"), "--dashboard-metrics"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = await p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, stderr + stdout);
        var queried = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        Assert.NotEmpty(queried);

        using var http = new HttpClient();
        var scraped = (await http.GetStringAsync(node.AdminUrl + "/metrics")).Split('\n')
            .Where(l => l.StartsWith("sandbox_")).Select(l => l[..l.IndexOfAny(['{', ' '])]).ToHashSet();
        // errors and runsc failures only appear once one happened; every other queried series is there now
        var expected = queried.Where(m => !m.StartsWith("sandbox_errors") && !m.StartsWith("sandbox_runsc_failures")).ToList();
        Assert.Empty(expected.Where(m => !scraped.Contains(m)));
    }
}
