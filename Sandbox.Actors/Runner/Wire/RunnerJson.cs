using System.Text.Json;

namespace Sandbox.Actors.Runner;

/// <summary>
/// Strict reading of the runner's JSON payloads: every field is checked for presence and type, and
/// anything else is a protocol violation whose sentence names the field.
/// </summary>
internal static class RunnerJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 8 };

    public static JsonElement Parse(ReadOnlyMemory<byte> payload, string what, JsonValueKind kind = JsonValueKind.Object)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(payload, Options);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new RunnerProtocolException($"the sandbox runner sent {what} that is not valid JSON");
        }
        if (root.ValueKind != kind)
            throw new RunnerProtocolException($"the sandbox runner sent {what} that is not a JSON {(kind == JsonValueKind.Object ? "object" : "array")}");
        return root;
    }

    private static JsonElement Field(JsonElement o, string name, string what) =>
        o.TryGetProperty(name, out var v) ? v : throw Bad(what, name, "is missing");

    private static RunnerProtocolException Bad(string what, string name, string problem) =>
        new($"the sandbox runner sent {what} whose '{name}' {problem}");

    public static string String(JsonElement o, string name, string what, int maxLength = 64 * 1024)
    {
        var v = Field(o, name, what);
        if (v.ValueKind != JsonValueKind.String) throw Bad(what, name, "is not a string");
        var s = v.GetString()!;
        return s.Length <= maxLength ? s : throw Bad(what, name, "is too long");
    }

    public static string? OptionalString(JsonElement o, string name, string what)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(what, name, "is not a string");
    }

    public static long Long(JsonElement o, string name, string what, long min = long.MinValue, long max = long.MaxValue)
    {
        var v = Field(o, name, what);
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n)) throw Bad(what, name, "is not a whole number");
        return n >= min && n <= max ? n : throw Bad(what, name, $"is out of range ({n})");
    }

    public static long? OptionalLong(JsonElement o, string name, string what, long min = long.MinValue, long max = long.MaxValue)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return Long(o, name, what, min, max);
    }

    public static double Number(JsonElement o, string name, string what)
    {
        var v = Field(o, name, what);
        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d) ? d : throw Bad(what, name, "is not a number");
    }

    public static double? OptionalNumber(JsonElement o, string name, string what)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return Number(o, name, what);
    }

    public static bool Bool(JsonElement o, string name, string what)
    {
        var v = Field(o, name, what);
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(what, name, "is not true or false"),
        };
    }

    public static JsonElement Array(JsonElement o, string name, string what)
    {
        var v = Field(o, name, what);
        return v.ValueKind == JsonValueKind.Array ? v : throw Bad(what, name, "is not an array");
    }

    public static IReadOnlyList<string> Strings(JsonElement o, string name, string what)
    {
        var list = new List<string>();
        foreach (var item in Array(o, name, what).EnumerateArray())
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Bad(what, name, "holds something that is not a string"));
        return list;
    }

    public static DateTimeOffset? OptionalTime(JsonElement o, string name, string what) =>
        OptionalNumber(o, name, what) is { } seconds ? Time(seconds, what, name) : null;

    public static DateTimeOffset Time(double seconds, string what, string name) =>
        seconds is >= 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)) : throw Bad(what, name, "is not a time");

    public static byte[] Serialize(object value) => JsonSerializer.SerializeToUtf8Bytes(value);
}
