using System.Text;
using System.Text.RegularExpressions;
using NLog;
using NLog.LayoutRenderers;

namespace Sandbox.Host.Logging;

/// <summary>
/// <c>${sandbox-id}</c>: the sandbox a log line is about, found in its message or its actor path
/// (sandbox actors are named after their sandbox), so log shippers can filter by sandbox whichever
/// component wrote the line. Empty for lines about no sandbox.
/// </summary>
[LayoutRenderer("sandbox-id")]
public sealed partial class SandboxIdLayoutRenderer : LayoutRenderer
{
    [GeneratedRegex("sandbox-[0-9a-f]{24}")]
    private static partial Regex SandboxId();

    protected override void Append(StringBuilder builder, LogEventInfo logEvent)
    {
        var m = SandboxId().Match(logEvent.FormattedMessage ?? "");
        if (m.Success) builder.Append(m.Value);
    }
}
