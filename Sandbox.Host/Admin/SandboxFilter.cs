using System.Collections.Immutable;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Host.Admin;

/// <summary>What <c>GET /admin/sandboxes</c> lists: <c>?state=</c> (repeatable: starting, running,
/// paused, ended), <c>?label=key=value</c> (repeatable, all must match) and <c>?limit=</c> (catalog rows, 1–10000).</summary>
public sealed record SandboxFilter(IReadOnlyList<string> States, ImmutableSortedDictionary<string, string> Labels, int Limit)
{
    public static readonly IReadOnlyList<string> KnownStates = ["starting", "running", "paused", "ended"];
    public const int DefaultLimit = 1000;

    public bool Admits(string state) => States.Count == 0 || States.Contains(state);

    /// <summary>The filter, or a sentence saying what is wrong with the query.</summary>
    public static (SandboxFilter? Filter, string? Problem) Parse(IQueryCollection q)
    {
        var states = new List<string>();
        foreach (var s in q["state"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!KnownStates.Contains(s)) return (null, $"state '{Shorten(s)}' is not one of {string.Join(", ", KnownStates)}");
            if (!states.Contains(s)) states.Add(s);
        }
        var labels = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var l in q["label"])
        {
            var eq = (l ?? "").IndexOf('=');
            if (eq <= 0) return (null, $"label filter '{Shorten(l ?? "")}' must be key=value");
            var (key, value) = (l![..eq], l[(eq + 1)..]);
            if (labels.TryGetValue(key, out var other) && other != value) return (null, $"label '{Shorten(key)}' is asked for twice with different values");
            labels[key] = value;
        }
        if (LabelRules.Problem(labels) is { } problem) return (null, "label filter: " + problem);
        var limit = DefaultLimit;
        if (q.TryGetValue("limit", out var lv) && (!int.TryParse(lv, out limit) || limit < 1 || limit > 10_000))
            return (null, $"limit must be a whole number from 1 to 10000, not '{Shorten(lv.ToString())}'");
        return (new SandboxFilter(states, labels.ToImmutable(), limit), null);
    }

    private static string Shorten(string s) => s.Length > 70 ? s[..70] + "…" : s;
}
