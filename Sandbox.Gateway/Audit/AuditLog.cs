using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Sandbox.Gateway.Audit;

/// <summary>
/// Writes one JSON line per <see cref="AuditEvent"/> to the logger named <see cref="LoggerName"/>, which
/// the node's logging sends to its audit file (and to the console like any line at its level).
/// </summary>
public sealed class AuditLog(ILogger logger, string node, string? file = null)
{
    public const string LoggerName = "Audit";

    public static readonly AuditLog Disabled = new(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, "");

    /// <summary>The line, with the file it belongs in as a property the logging target reads.</summary>
    private sealed class Line(string json, string? file) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] _properties = [new("AuditFile", file)];
        public KeyValuePair<string, object?> this[int index] => _properties[index];
        public int Count => _properties.Length;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_properties).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => json;
    }

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
        logger.Log(LogLevel.Information, default, new Line(line, file), null, (l, _) => l.ToString());
    }

    public void Record(string action, string outcome, string? keyFingerprint, string? sandbox, string? remote, string? detail = null) =>
        Record(new AuditEvent(action, outcome, keyFingerprint is null ? null : ApiKeys.ShortFingerprint(keyFingerprint), sandbox, remote, detail));
}
