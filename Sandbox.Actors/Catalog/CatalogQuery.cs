using System.Collections.Immutable;

namespace Sandbox.Actors.Catalog;

/// <summary>Which rows to read: labels AND-ed, optional owner and states, and for sweeps the times that matter.</summary>
public sealed record CatalogQuery
{
    /// <summary>Only this owner's sandboxes (null: any owner, which only operators and key-less servers ask).</summary>
    public string? Owner { get; init; }
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>API state names (starting, running, paused, ended); empty: all.</summary>
    public IReadOnlyList<string> States { get; init; } = [];
    /// <summary>Paused with paused time counting toward their TTL, expiring at or before this.</summary>
    public DateTimeOffset? ExpiringBy { get; init; }
    /// <summary>Ended at or before this.</summary>
    public DateTimeOffset? EndedBy { get; init; }
    public int Limit { get; init; } = 1000;
}
