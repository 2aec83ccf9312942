using NLog.Config;

namespace Sandbox.Host.Logging;

/// <summary>
/// This process's in-memory log rings: every line at the console's level (<c>sandboxctl logs</c>), and
/// the audit log (<c>sandboxctl audit</c>): what the logger named <see cref="AuditLogger"/> writes, one
/// JSON line per security-relevant action, kept at any level and ahead of every other rule, so that
/// neither LOG_LEVEL nor a final rule for the audit file can hide a line from operators.
/// </summary>
public static class LogRings
{
    public const string AuditLogger = "Audit";

    public static readonly LogRing Node = new(2000);
    public static readonly LogRing Audit = new(5000);

    /// <summary>Adds the rings' targets and rules to an NLog configuration (call ReconfigExistingLoggers after).</summary>
    public static void Install(LoggingConfiguration config, NLog.LogLevel consoleLevel)
    {
        var node = new LogRingTarget(Node, "ring");
        config.AddTarget(node);
        config.AddRule(consoleLevel, NLog.LogLevel.Fatal, node, "*");

        var audit = new AuditRingTarget(Audit);
        config.AddTarget(audit);
        config.LoggingRules.Insert(0, new LoggingRule(AuditLogger, NLog.LogLevel.Trace, NLog.LogLevel.Fatal, audit));
    }
}
