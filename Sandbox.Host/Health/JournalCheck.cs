using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Sandbox.Host.Configuration;

namespace Sandbox.Host.Health;

/// <summary>
/// The journal is reachable: a <c>SELECT 1</c> on a fresh connection (not from a pool, which would
/// hide a database that just went away), with a 2 s timeout, cached for 2 s.
/// </summary>
public static class JournalCheck
{
    public static CachedCheck Create(SandboxHostSettings s) => new(TimeSpan.FromSeconds(2), async ct =>
    {
        await using DbConnection connection = s.Persistence == PersistenceProvider.Postgres
            ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(s.EffectiveConnectionString) { Pooling = false, Timeout = 2, CommandTimeout = 2 }.ConnectionString)
            : new SqliteConnection(new SqliteConnectionStringBuilder(s.EffectiveConnectionString) { Pooling = false, DefaultTimeout = 2 }.ConnectionString);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await connection.OpenAsync(cts.Token);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT 1";
            await cmd.ExecuteScalarAsync(cts.Token);
            return null;
        }
        catch (Exception e) when (e is DbException or OperationCanceledException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            return $"the journal ({s.Persistence}) is unreachable: {e.GetBaseException().Message}";
        }
    });
}
