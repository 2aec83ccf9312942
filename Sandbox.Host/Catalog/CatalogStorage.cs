using Microsoft.Data.Sqlite;
using Npgsql;
using Sandbox.Host.Configuration;

namespace Sandbox.Host.Catalog;

/// <summary>Where a node's sandbox catalog lives: PostgreSQL beside the journal's tables, or for SQLite a
/// <c>catalog.db</c> next to the journal's file (every node of one deployment shares it, as the journal).</summary>
public static class CatalogStorage
{
    public static SqlSandboxCatalog For(SandboxHostSettings s)
    {
        if (s.Persistence == PersistenceProvider.Postgres)
        {
            var dataSource = NpgsqlDataSource.Create(s.EffectiveConnectionString);
            return new SqlSandboxCatalog(() => dataSource.CreateConnection());
        }
        var journal = new SqliteConnectionStringBuilder(s.EffectiveConnectionString);
        var dir = Path.GetDirectoryName(Path.GetFullPath(journal.DataSource)) ?? s.DataDir;
        var cs = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "catalog.db"), DefaultTimeout = 30, Pooling = true }.ConnectionString;
        return new SqlSandboxCatalog(() => new SqliteConnection(cs));
    }
}
