using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Catalog;

/// <summary>
/// A row per sandbox (its <see cref="SandboxSummary"/>) in the journal's database, kept by the sandboxes
/// themselves after each journaled change. It is what lists sandboxes (paused and recently ended ones
/// included, whose actors are not running), counts a key's sandboxes for its quota, and finds work for
/// the sweeps (paused sandboxes whose TTL passed, ended ones past their retention, sandboxes whose
/// host is gone). The journal stays the truth: a row a crash left stale is rewritten the next time
/// its sandbox wakes, and a newer version always wins over an older one.
/// </summary>
public interface ISandboxCatalog
{
    /// <summary>Creates the tables if they are missing.</summary>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>Writes the row unless the catalog already holds a newer version of it.</summary>
    Task UpsertAsync(SandboxSummary summary, CancellationToken ct);

    Task RemoveAsync(string sandboxId, CancellationToken ct);

    Task<IReadOnlyList<SandboxSummary>> QueryAsync(CatalogQuery query, CancellationToken ct);

    /// <summary>How many sandboxes <paramref name="owner"/> holds that are not ended, and how many it created since <paramref name="createdSince"/>.</summary>
    Task<(int Held, int CreatedSince)> CountAsync(string owner, DateTimeOffset createdSince, CancellationToken ct);
}
