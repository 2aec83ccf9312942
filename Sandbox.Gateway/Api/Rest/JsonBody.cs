using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// Reads a JSON request body as API-v1.md §1 wants it judged: over the limit is 413, not JSON (or
/// not an object) is 400, valid JSON whose field has the wrong type is 422 naming the field. An
/// empty body is <c>{}</c> (every field of the v1 bodies is optional or checked by the facade).
/// </summary>
public static class JsonBody
{
    /// <summary>Largest JSON body of a /v1 route (code of a process included).</summary>
    public const long DefaultLimit = 16 * 1024 * 1024;

    public static async Task<(T? Value, ApiProblem? Problem)> ReadAsync<T>(HttpContext http, long limit = DefaultLimit) where T : class
    {
        if (http.Request.ContentType is { Length: > 0 } type && !IsJson(type))
            return (null, new ApiProblem(StatusCodes.Status415UnsupportedMediaType,
                $"This route takes a JSON body: send it with 'Content-Type: application/json' (got '{type}')."));
        if (http.Request.ContentLength > limit)
            return (null, ApiProblem.TooLarge($"The JSON body is {http.Request.ContentLength} bytes; this route accepts at most {limit}."));
        LiftKestrelLimit(http, limit);

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + n > limit)
                return (null, ApiProblem.TooLarge($"The JSON body is larger than {limit} bytes, the most this route accepts."));
            buffer.Write(chunk, 0, n);
        }
        var bytes = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
        if (IsBlank(bytes.Span)) bytes = "{}"u8.ToArray();

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            return (null, ApiProblem.BadRequest($"The body is not valid JSON ({Where(e)}): send one JSON object."));
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return (null, ApiProblem.BadRequest($"The body must be a JSON object, not {Describe(doc.RootElement.ValueKind)}."));
            try
            {
                return (doc.RootElement.Deserialize<T>(V1Json.Options), null);
            }
            catch (JsonException e)
            {
                var field = FieldOf(e.Path);
                return (null, ApiProblem.Invalid(field, $"The field '{field}' has the wrong type: {Expected(typeof(T), field)}."));
            }
        }
    }

    /// <summary>Kestrel's server-wide cap is sized for /execute; a route that reads more itself lifts it to its own limit (null: none).</summary>
    public static void LiftKestrelLimit(HttpContext http, long? limit)
    {
        var feature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = limit;
    }

    public static bool IsJson(string contentType)
    {
        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsBlank(ReadOnlySpan<byte> s)
    {
        foreach (var b in s) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return false;
        return true;
    }

    private static string Where(JsonException e) =>
        e.LineNumber is { } line ? $"line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1}" : "at the start";

    private static string Describe(JsonValueKind k) => k switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => k.ToString(),
    };

    /// <summary>"$.labels.team" → "labels.team"; "$.cmd[2]" → "cmd[2]".</summary>
    public static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "(body)";
        var p = path.StartsWith("$.") ? path[2..] : path.TrimStart('$');
        return p.Replace("['", ".").Replace("']", "").TrimStart('.');
    }

    /// <summary>What the field should hold, from the body's own type (so the message stays right when a field is added).</summary>
    private static string Expected(Type body, string field)
    {
        var top = field.Split('.', '[')[0];
        var prop = body.GetProperties().FirstOrDefault(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) == top);
        if (prop is null) return "see the API's schema for this route";
        var t = Nullable.GetUnderlyingType(prop.PropertyType) ?? prop.PropertyType;
        if (field.Contains('.') || field.Contains('['))
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() is var g && (g == typeof(IReadOnlyDictionary<,>) || g == typeof(Dictionary<,>)))
                return $"'{top}' must be an object whose values are {Name(t.GetGenericArguments()[1])}s";
            if (t.IsGenericType && t.GetGenericArguments() is [var item])
                return $"'{top}' must be an array of {Name(item)}s";
            return $"'{top}' must be {Article(Name(t))}";
        }
        return $"it must be {Article(Name(t))}";
    }

    private static string Article(string n) => n.StartsWith("object") || n.StartsWith("array") ? "an " + n : "a " + n;

    private static string Name(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(string)) return "string";
        if (t == typeof(bool)) return "boolean (true or false)";
        if (t == typeof(int) || t == typeof(long)) return "whole number";
        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal)) return "number";
        if (t.IsGenericType && t.GetGenericTypeDefinition() is var g && (g == typeof(IReadOnlyDictionary<,>) || g == typeof(Dictionary<,>)))
            return $"object of {Name(t.GetGenericArguments()[1])}s";
        if (t.IsGenericType && t.GetGenericArguments() is [var item]) return $"array of {Name(item)}s";
        return "object";
    }
}
