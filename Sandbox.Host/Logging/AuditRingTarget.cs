using System.Text.Json;
using NLog;
using NLog.Targets;

namespace Sandbox.Host.Logging;

/// <summary>
/// Keeps the audit logger's lines in <see cref="LogRings.Audit"/> as the JSON line each one is. A line
/// written as a plain message with structured properties instead is kept as a JSON object of both, so
/// that <c>sandboxctl audit</c> always shows one JSON object per action.
/// </summary>
public sealed class AuditRingTarget : Target
{
    private readonly LogRing _ring;

    public AuditRingTarget(LogRing ring)
    {
        _ring = ring;
        Name = "audit-ring";
    }

    protected override void Write(LogEventInfo e) =>
        _ring.Add(e.TimeStamp.ToUniversalTime(), e.Level.Name, e.LoggerName ?? "", AsJsonLine(e.FormattedMessage ?? "", e.HasProperties ? e.Properties : null));

    public static string AsJsonLine(string message, IDictionary<object, object?>? properties)
    {
        if (IsJsonObject(message)) return message;
        var fields = new SortedDictionary<string, string?>(StringComparer.Ordinal) { ["message"] = message };
        if (properties is not null)
            foreach (var (k, v) in properties)
                fields[k.ToString() ?? ""] = v?.ToString();
        return JsonSerializer.Serialize(fields);
    }

    private static bool IsJsonObject(string text)
    {
        if (!text.TrimStart().StartsWith('{')) return false;
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException) { return false; }
    }
}
