using System.Text.RegularExpressions;

namespace Sandbox.Core.Sandboxes;

/// <summary>API-v1.md §2: at most 32 labels, keys <c>[a-z0-9_.-]{1,63}</c>, values at most 255 characters.</summary>
public static partial class LabelRules
{
    public const int MaxLabels = 32;
    public const int MaxValueLength = 255;

    [GeneratedRegex("^[a-z0-9_.-]{1,63}$")]
    private static partial Regex KeyPattern();

    /// <summary>Null when the labels are acceptable, else a sentence naming the first problem.</summary>
    public static string? Problem(IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null) return null;
        if (labels.Count > MaxLabels) return $"a sandbox has at most {MaxLabels} labels; {labels.Count} were given";
        foreach (var (key, value) in labels)
        {
            if (!KeyPattern().IsMatch(key)) return $"label key '{Shorten(key)}' must be 1 to 63 characters of a-z, 0-9, '_', '.' or '-'";
            if (value is null) return $"label '{key}' needs a string value";
            if (value.Length > MaxValueLength) return $"label '{key}' has a value of {value.Length} characters; the limit is {MaxValueLength}";
        }
        return null;
    }

    private static string Shorten(string s) => s.Length > 70 ? s[..70] + "…" : s;
}
