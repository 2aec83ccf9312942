using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using Sandbox.Actors.Catalog;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Catalog;

namespace Sandbox.Tests.Catalog;

/// <summary>The catalog on a real SQLite file (PostgreSQL runs the same statements in the cluster specs).</summary>
public class SqlSandboxCatalogSpec : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"catalog-{Guid.NewGuid():N}.db");
    private SqlSandboxCatalog _catalog = null!;
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    public async Task InitializeAsync()
    {
        _catalog = new SqlSandboxCatalog(() => new SqliteConnection($"Data Source={_file}"));
        await _catalog.InitializeAsync(default);
        await _catalog.InitializeAsync(default);   // starting again finds the tables there
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
        return Task.CompletedTask;
    }

    private static SandboxSummary Row(string id, string state, long version, string? owner = "key-a", params (string, string)[] labels) =>
        new(id, state, owner, labels.ToImmutableSortedDictionary(l => l.Item1, l => l.Item2), state == "running" ? "node-1" : null, T0, T0,
            T0.AddHours(1), state == "ended" ? T0.AddMinutes(5) : null, state == "ended" ? "killed" : null, null, 300, IdleAction.Kill, true, version);

    [Fact]
    public async Task Rows_are_found_by_labels_owner_and_state_and_an_older_version_never_overwrites_a_newer_one()
    {
        await _catalog.UpsertAsync(Row("sandbox-a", "running", 2, "key-a", ("team", "evals"), ("run", "42")), default);
        await _catalog.UpsertAsync(Row("sandbox-b", "paused", 3, "key-a", ("team", "evals"), ("run", "43")), default);
        await _catalog.UpsertAsync(Row("sandbox-c", "running", 1, "key-b", ("team", "evals")), default);
        await _catalog.UpsertAsync(Row("sandbox-a", "starting", 1, "key-a"), default);   // late, older: ignored

        var run42 = await _catalog.QueryAsync(new CatalogQuery { Labels = ImmutableSortedDictionary<string, string>.Empty.Add("team", "evals").Add("run", "42") }, default);
        var a = Assert.Single(run42);
        Assert.Equal(("sandbox-a", "running", 2L), (a.SandboxId, a.State, a.Version));
        Assert.Equal("42", a.Labels["run"]);
        var ownedByA = await _catalog.QueryAsync(new CatalogQuery { Owner = "key-a" }, default);
        Assert.Equal(["sandbox-a", "sandbox-b"], ownedByA.Select(r => r.SandboxId).Order());
        Assert.Equal(["sandbox-b"], (await _catalog.QueryAsync(new CatalogQuery { States = ["paused"] }, default)).Select(r => r.SandboxId));
        Assert.Equal((2, 2), await _catalog.CountAsync("key-a", T0.AddMinutes(-1), default));
    }

    [Fact]
    public async Task The_sweeps_find_paused_sandboxes_past_their_ttl_and_ended_ones_past_their_retention_and_removal_forgets_a_row()
    {
        await _catalog.UpsertAsync(Row("sandbox-p", "paused", 1), default);
        await _catalog.UpsertAsync(Row("sandbox-e", "ended", 4), default);
        Assert.Empty(await _catalog.QueryAsync(new CatalogQuery { ExpiringBy = T0 }, default));
        Assert.Equal(["sandbox-p"], (await _catalog.QueryAsync(new CatalogQuery { ExpiringBy = T0.AddHours(2) }, default)).Select(r => r.SandboxId));
        Assert.Equal(["sandbox-e"], (await _catalog.QueryAsync(new CatalogQuery { EndedBy = T0.AddHours(2) }, default)).Select(r => r.SandboxId));
        await _catalog.RemoveAsync("sandbox-e", default);
        Assert.Empty(await _catalog.QueryAsync(new CatalogQuery { EndedBy = T0.AddHours(2) }, default));
        Assert.Equal((1, 1), await _catalog.CountAsync("key-a", T0.AddMinutes(-1), default));
    }
}
