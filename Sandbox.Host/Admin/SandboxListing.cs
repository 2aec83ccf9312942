using Sandbox.Actors.Catalog;
using Sandbox.Actors.Hosts;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Host.Admin;

/// <summary>
/// Every sandbox an operator asks for: the catalog's rows (running, paused and recently ended ones,
/// read through any host) joined with what the hosts hold right now (which sandboxes have a
/// container, whether a client is attached or code runs). Sandboxes the catalog never lists (one-shot
/// /execute ones) come from the hosts alone. A catalog that cannot answer leaves the live sandboxes
/// listed and says so, rather than failing the whole list.
/// </summary>
public static class SandboxListing
{
    public sealed record Listing(IReadOnlyList<SandboxRow> Sandboxes, string? CatalogUnavailable);

    private static readonly Dictionary<string, int> Rank = new() { ["starting"] = 0, ["running"] = 1, ["paused"] = 2, ["ended"] = 3 };

    public static async Task<Listing> ListAsync(AdminContext a, SandboxFilter filter)
    {
        var loadsTask = a.HostLoadsAsync();
        var catalogTask = HostAgents.AskAnyAsync<object>(a.System, NodeRoles.SandboxHost, new CatalogMessages.Query(new CatalogQuery
        {
            States = filter.States,
            Labels = filter.Labels,
            Limit = filter.Limit,
        }));
        var loads = await loadsTask;
        var live = loads.SelectMany(l => l.SandboxIds.Select(id => (Host: l.Node, Id: id))).DistinctBy(x => x.Id).ToList();
        var infos = (await Task.WhenAll(live.Select(async x => (x.Id, x.Host, Info: await SandboxEndpoints.InfoOrNull(a, x.Id)))))
            .ToDictionary(x => x.Id);
        var answer = await catalogTask;
        IReadOnlyList<SandboxSummary> summaries = answer is CatalogMessages.Rows r ? r.Summaries : [];
        var unavailable = answer switch
        {
            CatalogMessages.Rows => null,
            CatalogMessages.Unavailable u => u.Reason,
            _ => "no sandbox host answered for the catalog",
        };

        var rows = new Dictionary<string, SandboxRow>(StringComparer.Ordinal);
        foreach (var s in summaries)
        {
            var row = FromCatalog(s);
            if (infos.TryGetValue(s.SandboxId, out var held))
                row = row with { Host = held.Host, Attached = held.Info?.Attached, ExecutionRunning = held.Info?.ExecutionRunning };
            rows[s.SandboxId] = row;
        }
        // held by a host but not in the catalog's answer: one-shot sandboxes, or the catalog is down
        foreach (var (id, host, info) in infos.Values)
        {
            if (rows.ContainsKey(id) || filter.Labels.Count > 0) continue;
            var state = info?.State ?? "unknown";
            if (!filter.Admits(state)) continue;
            rows[id] = new SandboxRow
            {
                Id = id, State = state, Host = host, CreatedAt = info?.CreatedAt, Attached = info?.Attached, ExecutionRunning = info?.ExecutionRunning,
            };
        }
        var ordered = rows.Values
            .OrderBy(r => Rank.GetValueOrDefault(r.State, 4))
            .ThenByDescending(r => r.EndedAt ?? r.CreatedAt ?? DateTimeOffset.MinValue)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        return new Listing(ordered, unavailable);
    }

    public static SandboxRow FromCatalog(SandboxSummary s) => new()
    {
        Id = s.SandboxId,
        State = s.State,
        Host = s.Node,
        Owner = s.Owner,
        Labels = s.Labels,
        CreatedAt = s.CreatedAt,
        LastActivityAt = s.LastActivityAt,
        ExpiresAt = s.ExpiresAt,
        EndedAt = s.EndedAt,
        EndedReason = s.EndedReason,
        EndedDetail = s.EndedDetail,
        InCatalog = true,
    };
}
