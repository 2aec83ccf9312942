using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Sandbox.Gateway.Audit;

/// <summary>
/// Writes one JSON line per <see cref="AuditEvent"/> to the logger named <see cref="LoggerName"/>, which
/// the node's logging sends to its audit file (and to the console like any line at its level).
/// </summary>
public sealed class AuditLog(ILogger logger, string node)
{
    public const string LoggerName = "Audit";

    public static readonly AuditLog Disabled = new(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, "");

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public void Record(AuditEvent e)
    {
        if (!logger.IsEnabled(LogLevel.Information)) return;
        var line = JsonSerializer.Serialize(new
        {
            at = DateTimeOffset.UtcNow, action = e.Action, outcome = e.Outcome, key = e.Key, sandbox = e.Sandbox, node, remote = e.Remote, detail = e.Detail,
        }, Json);
        logger.LogInformation("{Audit}", line);
    }

    public void Record(string action, string outcome, string? keyFingerprint, string? sandbox, string? remote, string? detail = null) =>
        Record(new AuditEvent(action, outcome, keyFingerprint is null ? null : ApiKeys.ShortFingerprint(keyFingerprint), sandbox, remote, detail));
}
