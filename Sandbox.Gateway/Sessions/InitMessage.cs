using System.Text.Json;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Gateway.Sessions;

/// <summary>The first frame of /create (PROTOCOL.md §4.2). Unknown keys are ignored; like the
/// reference, any truthy JSON value turns a flag on, and idle_timeout null or 0 disables expiry.</summary>
public static class InitMessage
{
    public const double DefaultIdleTimeoutSeconds = 300;

    /// <summary>The longest idle timeout a client may ask for; longer timers are beyond the scheduler
    /// (and beyond any use): ask for null or 0 to turn expiry off instead.</summary>
    public const double MaxIdleTimeoutSeconds = 7 * 24 * 3600;

    /// <summary>The settings, or a <see cref="JsonException"/> naming what is wrong.</summary>
    public static SandboxSettings Parse(string text)
    {
        try
        {
            return ParseUnchecked(text);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            // valid JSON syntax that holds no usable value: a lone surrogate escape, a number out of range
            throw new JsonException(e.Message, e);
        }
    }

    private static SandboxSettings ParseUnchecked(string text)
    {
        using var doc = JsonDocument.Parse(text);
        var o = doc.RootElement;
        if (o.ValueKind != JsonValueKind.Object) throw new JsonException("the init message must be a JSON object");
        double? idle = DefaultIdleTimeoutSeconds;
        if (o.TryGetProperty("idle_timeout", out var it))
        {
            idle = it.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.Number => it.GetDouble() <= 0 ? null : it.GetDouble(),
                JsonValueKind.String when double.TryParse(it.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var d) => d <= 0 ? null : d,
                _ => throw new JsonException("idle_timeout must be a number of seconds or null"),
            };
            if (idle is { } v && (!double.IsFinite(v) || v > MaxIdleTimeoutSeconds))
                throw new JsonException($"idle_timeout must be at most {MaxIdleTimeoutSeconds:0} seconds (7 days); send null or 0 for no expiry");
        }
        string? snapshot = o.TryGetProperty("filesystem_snapshot_name", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } n ? n : null;
        return new SandboxSettings(idle, Truthy(o, "enable_checkpoint"), Truthy(o, "enable_idle_timeout_auto_checkpoint"),
            Truthy(o, "enable_sandbox_handoff"), snapshot, DeleteOnDetach: false);
    }

    private static bool Truthy(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.Number => v.GetDouble() != 0,
            JsonValueKind.String => v.GetString()!.Length > 0,
            JsonValueKind.Array => v.GetArrayLength() > 0,
            JsonValueKind.Object => v.EnumerateObject().Any(),
            _ => false,
        };
}
