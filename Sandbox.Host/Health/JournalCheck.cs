using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Sandbox.Host.Configuration;

namespace Sandbox.Host.Health;

/// <summary>
/// The journal is reachable: a <c>SELECT 1</c> on a fresh connection (not from a pool, which would
/// hide a database that just went away), with a 2 s timeout, cached for 2 s. When PostgreSQL comes
/// back after an outage, Npgsql's pools still hold connections the restart broke, and the journal's
/// next reads would fail on them once each (a sandbox's recovery failing, its message lost): seeing
/// the journal back, the check empties those pools.
/// </summary>
public static class JournalCheck
{
    public static CachedCheck Create(SandboxHostSettings s)
    {
        var wasDown = false;
        return new CachedCheck(TimeSpan.FromSeconds(2), async ct =>
        {
            var problem = await ProbeAsync(s, ct);
            if (problem is null && wasDown && s.Persistence == PersistenceProvider.Postgres) NpgsqlConnection.ClearAllPools();
            wasDown = problem is not null;
            return problem;
        });
    }

    private static async Task<string?> ProbeAsync(SandboxHostSettings s, CancellationToken ct)
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
    }
}
