using NLog;
using NLog.Config;
using NLog.Targets;
using Sandbox.Host.Logging;

namespace Sandbox.Tests;

/// <summary>Issue 6 (part): the repository's NLog configuration, its JSON layout and the sandbox id field.</summary>
public class LoggingSpec
{
    [Fact]
    public void The_json_layout_names_the_sandbox_a_line_is_about()
    {
        var factory = new LogFactory();
        factory.Setup().SetupExtensions(e => e.RegisterLayoutRenderer<SandboxIdLayoutRenderer>("sandbox-id"));
        var config = new XmlLoggingConfiguration(Path.Combine(AppContext.BaseDirectory, "nlog.config"), factory);
        var json = (TargetWithLayout)config.FindTargetByName("json");

        var about = json.Layout.Render(new LogEventInfo(NLog.LogLevel.Info, "Akka", "Sandbox sandbox-0123456789abcdef01234567 deleted (idle timeout)"));
        using var doc = System.Text.Json.JsonDocument.Parse(about);
        Assert.Equal("sandbox-0123456789abcdef01234567", doc.RootElement.GetProperty("sandbox_id").GetString());
        Assert.Equal("info", doc.RootElement.GetProperty("level").GetString());

        var unrelated = json.Layout.Render(new LogEventInfo(NLog.LogLevel.Info, "Akka", "Cluster Node is Up"));
        using var doc2 = System.Text.Json.JsonDocument.Parse(unrelated);
        Assert.False(doc2.RootElement.TryGetProperty("sandbox_id", out _));   // empty attributes are left out
    }
}
