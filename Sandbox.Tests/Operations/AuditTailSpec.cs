using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sandbox.Tests.Operations;

/// <summary>
/// <c>sandboxctl audit peek | tail</c>: the lines of the logger named Audit (one JSON object per
/// security-relevant action), kept in memory by the node whatever LOG_LEVEL says (the fixture's is
/// Warn, the lines here are Info), and nothing of the other loggers.
/// </summary>
public class AuditTailSpec(AdminNodeFixture node) : IClassFixture<AdminNodeFixture>
{
    private ILogger Audit => node.App.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Audit");

    private static string Line(string action, string marker) =>
        JsonSerializer.Serialize(new { action, sandbox_id = "sandbox-0123456789abcdef01234567", key = "fp-1234", outcome = "ok", marker });

    [Fact]
    public async Task Audit_peek_shows_the_last_audit_lines_as_json_and_no_other_log_line()
    {
        var marker = Guid.NewGuid().ToString("N");
        Audit.LogInformation("{Line}", Line("create", marker));
        NLog.LogManager.GetLogger("Audit").Info(Line("kill", marker));   // straight through NLog, too
        node.App.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sandbox.Other").LogError("not an audit line {Marker}", marker);
        // a plain message with structured properties still becomes one JSON object
        Audit.LogInformation("refused authentication for {Key} ({Marker})", "fp-bad", marker);

        var peeked = await Sandboxctl.Json(node.AdminUrl, null, "audit", "peek", "-n", "200");
        var ours = peeked.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("text").GetString()!).Where(t => t.Contains(marker)).ToList();
        Assert.Equal(3, ours.Count);
        var entries = ours.Select(t => JsonDocument.Parse(t).RootElement).ToList();
        Assert.Equal(["create", "kill"], entries.Take(2).Select(e => e.GetProperty("action").GetString()));
        Assert.Equal("fp-bad", entries[2].GetProperty("Key").GetString());
        Assert.Contains("refused authentication", entries[2].GetProperty("message").GetString());
        Assert.All(peeked.GetProperty("lines").EnumerateArray(), l => Assert.Equal("Audit", l.GetProperty("logger").GetString()));

        // for people: the JSON lines themselves
        var (exit, text, _) = await Sandboxctl.Run(null, "--node", node.AdminUrl, "audit", "peek", "-n", "200");
        Assert.Equal(0, exit);
        Assert.Contains(Line("kill", marker), text.Split('\n'));

        var (bad, _, err) = await Sandboxctl.Run(null, "--node", node.AdminUrl, "audit", "peek", "-n", "0");
        Assert.Equal(2, bad);
        Assert.Contains("-n", err);
    }

    [Fact]
    public async Task Audit_tail_prints_each_new_audit_line_as_it_is_written()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var tail = Process.Start(Sandboxctl.StartInfo(null, ["--node", node.AdminUrl, "audit", "tail"]))!;
        try
        {
            // the tail follows lines written after it connected: write until ours arrives (bounded);
            // specs running beside this one audit too, so lines without our marker are passed over
            var deadline = DateTime.UtcNow.AddSeconds(60);
            var read = tail.StandardOutput.ReadLineAsync();
            JsonElement? ours = null;
            for (var i = 0; ours is null && DateTime.UtcNow < deadline; i++)
            {
                Audit.LogInformation("{Line}", Line("attach-" + i, marker));
                await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(2)));
                while (read.IsCompleted && ours is null)
                {
                    var line = await read;
                    Assert.NotNull(line);   // the tail ended
                    var entry = JsonDocument.Parse(line!).RootElement.Clone();
                    if (entry.TryGetProperty("marker", out var m) && m.GetString() == marker) ours = entry;
                    read = tail.StandardOutput.ReadLineAsync();
                }
            }
            Assert.NotNull(ours);
            Assert.StartsWith("attach-", ours!.Value.GetProperty("action").GetString());
        }
        finally
        {
            tail.Kill(entireProcessTree: true);
            await tail.WaitForExitAsync();
        }
    }
}
