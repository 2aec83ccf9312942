using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway.Api;

namespace Sandbox.Tests.Operations;

/// <summary>The dashboard of one in-process node in headless Chromium: its charts drawn from the node's
/// history by the bundled uPlot, and paused and ended sandboxes listed beside running ones.</summary>
public class DashboardSpec(AdminNodeFixture node) : IClassFixture<AdminNodeFixture>
{
    private const string S = "status:";
    private ISandboxApi Api => node.App.Services.GetRequiredService<ISandboxApi>();

    private static T Ok<T>(ApiResult<T> r) => r.Ok ? r.Value : throw new Xunit.Sdk.XunitException($"{r.Error!.Kind}: {r.Error.Detail}");

    [Fact]
    public async Task The_dashboard_draws_the_last_hour_and_lists_paused_and_ended_sandboxes_with_their_reason()
    {
        var resumed = Ok(await Api.CreateAsync(Caller.Local(), new CreateSandboxRequest { EnableCheckpoint = true }, default));
        var paused = Ok(await Api.CreateAsync(Caller.Local(), new CreateSandboxRequest { EnableCheckpoint = true, Labels = new Dictionary<string, string> { ["team"] = "charts" } }, default));
        var ended = Ok(await Api.CreateAsync(Caller.Local(), new CreateSandboxRequest(), default));
        try
        {
            await using (var ws = await CheckpointSpec.Attach(node, resumed.SandboxId, resumed.SandboxToken!))
            {
                await ws.ReadUntilAsync(e => e == S + SandboxStatus.Running);
                await CheckpointSpec.Run(ws, "python", "print('chart me')");
            }
            Ok(await Api.PauseAsync(Caller.Local(resumed.SandboxToken), resumed.SandboxId, default));
            Ok(await Api.ResumeAsync(Caller.Local(resumed.SandboxToken), resumed.SandboxId, default));
            Ok(await Api.PauseAsync(Caller.Local(paused.SandboxToken), paused.SandboxId, default));
            Ok(await Api.DeleteAsync(Caller.Local(ended.SandboxToken), ended.SandboxId, default));
            await WaitForHistoryWithEveryOperation();

            var outDir = Directory.CreateTempSubdirectory("dashboard-spec-").FullName;
            try
            {
                var dom = await HeadlessChromium.DumpDom(outDir, node.AdminUrl + "/");
                foreach (var chart in HeadlessChromium.Charts)
                {
                    var (points, draws, series) = HeadlessChromium.Chart(dom, chart);
                    Assert.True(points > 0 && draws > 0 && series > 0, $"{chart}: {points} points, {draws} draws, {series} series with data");
                }
                Assert.Contains("state-paused", HeadlessChromium.Row(dom, paused.SandboxId));
                Assert.Contains("team=charts", HeadlessChromium.Row(dom, paused.SandboxId));
                var gone = HeadlessChromium.Row(dom, ended.SandboxId);
                Assert.Contains("state-ended", gone);
                Assert.Contains("killed", gone);
                Assert.Contains("state-running", HeadlessChromium.Row(dom, resumed.SandboxId));
                Assert.Equal("", System.Text.RegularExpressions.Regex.Match(dom, "<div class=\"error\" id=\"error\">(.*?)</div>").Groups[1].Value);

                var png = Path.Combine(HeadlessChromium.ArtifactsDir, "dashboard-single-node.png");
                await HeadlessChromium.Screenshot(outDir, node.AdminUrl + "/", png);
            }
            finally
            {
                Directory.Delete(outDir, recursive: true);
            }
        }
        finally
        {
            await Api.DeleteAsync(Caller.Local(resumed.SandboxToken), resumed.SandboxId, default);
            await Api.DeleteAsync(Caller.Local(paused.SandboxToken), paused.SandboxId, default);
        }
    }

    /// <summary>Until the node's latest sample has seen a create, an exec and a restore in its last minute (bounded).</summary>
    private async Task WaitForHistoryWithEveryOperation()
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var history = JsonDocument.Parse(await http.GetStringAsync(node.AdminUrl + "/admin/history")).RootElement;
            var last = history.GetProperty("hosts")[0].GetProperty("samples").EnumerateArray().LastOrDefault();
            if (last.ValueKind == JsonValueKind.Object && new[] { "create", "exec", "restore" }.All(op => last.GetProperty(op).GetProperty("count").GetInt32() > 0)) return;
            Assert.True(DateTime.UtcNow < deadline, $"the history never saw every operation: {last}");
            await Task.Delay(300);
        }
    }
}
