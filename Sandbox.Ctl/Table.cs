using System.Text;
using System.Text.Json;

namespace Sandbox.Ctl;

/// <summary>Plain aligned columns for people; <c>--json</c> prints the API's JSON instead.</summary>
public static class Table
{
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var all = rows.Select(r => r.Select(c => c ?? "").ToList()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => i < r.Count ? r[i].Length : 0))).ToList();
        output.WriteLine(Line(headers, widths));
        foreach (var r in all) output.WriteLine(Line(r, widths));
        if (all.Count == 0) output.WriteLine("(none)");
    }

    private static string Line(IReadOnlyList<string> cells, IReadOnlyList<int> widths)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < widths.Count; i++)
        {
            var c = i < cells.Count ? cells[i] : "";
            sb.Append(i == widths.Count - 1 ? c : c.PadRight(widths[i] + 2));
        }
        return sb.ToString().TrimEnd();
    }

    public static string Json(JsonElement e) => JsonSerializer.Serialize(e, new JsonSerializerOptions { WriteIndented = true });

    /// <summary>A property as text: strings as they are, null/missing as empty, anything else as JSON.</summary>
    public static string? Str(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                JsonValueKind.True => "yes",
                JsonValueKind.False => "no",
                JsonValueKind.Array => string.Join(",", v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : x.ToString())),
                _ => v.ToString(),
            }
            : null;

    public static IEnumerable<JsonElement> Items(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];
}
