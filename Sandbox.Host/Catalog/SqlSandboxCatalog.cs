using System.Collections.Immutable;
using System.Data.Common;
using Sandbox.Actors.Catalog;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Host.Catalog;

/// <summary>
/// The sandbox catalog in SQL that SQLite and PostgreSQL both speak: one row per sandbox and one per
/// label (so label filters are plain joins), times as Unix milliseconds, and upserts that keep the
/// newer version. With SQLite the catalog has a file of its own beside the journal, so its writes
/// never wait for the journal's lock.
/// </summary>
public sealed class SqlSandboxCatalog(Func<DbConnection> connect) : ISandboxCatalog
{
    private const string Columns =
        "sandbox_id, owner, state, node, created_at, last_activity_at, expires_at, ended_at, ended_reason, ended_detail, idle_timeout, on_idle, enable_checkpoint, version";

    public async Task InitializeAsync(CancellationToken ct)
    {
        await using var c = await OpenAsync(ct);
        await ExecAsync(c, null, """
            CREATE TABLE IF NOT EXISTS sandbox_catalog (
                sandbox_id TEXT PRIMARY KEY, owner TEXT, state TEXT NOT NULL, node TEXT, created_at BIGINT, last_activity_at BIGINT,
                expires_at BIGINT, ended_at BIGINT, ended_reason TEXT, ended_detail TEXT, idle_timeout DOUBLE PRECISION, on_idle TEXT,
                enable_checkpoint INTEGER NOT NULL, version BIGINT NOT NULL)
            """);
        await ExecAsync(c, null, "CREATE TABLE IF NOT EXISTS sandbox_labels (sandbox_id TEXT NOT NULL, label_key TEXT NOT NULL, label_value TEXT NOT NULL, PRIMARY KEY (sandbox_id, label_key))");
        await ExecAsync(c, null, "CREATE INDEX IF NOT EXISTS sandbox_catalog_owner ON sandbox_catalog (owner, state)");
        await ExecAsync(c, null, "CREATE INDEX IF NOT EXISTS sandbox_catalog_state ON sandbox_catalog (state, expires_at, ended_at)");
        await ExecAsync(c, null, "CREATE INDEX IF NOT EXISTS sandbox_labels_kv ON sandbox_labels (label_key, label_value)");
    }

    public async Task UpsertAsync(SandboxSummary s, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var written = await ExecAsync(c, tx, $"""
            INSERT INTO sandbox_catalog ({Columns})
            VALUES (@id, @owner, @state, @node, @created, @activity, @expires, @ended, @reason, @detail, @idle, @onidle, @ckpt, @version)
            ON CONFLICT (sandbox_id) DO UPDATE SET owner = excluded.owner, state = excluded.state, node = excluded.node,
                created_at = excluded.created_at, last_activity_at = excluded.last_activity_at, expires_at = excluded.expires_at,
                ended_at = excluded.ended_at, ended_reason = excluded.ended_reason, ended_detail = excluded.ended_detail,
                idle_timeout = excluded.idle_timeout, on_idle = excluded.on_idle, enable_checkpoint = excluded.enable_checkpoint,
                version = excluded.version
            WHERE sandbox_catalog.version <= excluded.version
            """,
            ("id", s.SandboxId), ("owner", s.Owner), ("state", s.State), ("node", s.Node), ("created", Ms(s.CreatedAt)),
            ("activity", Ms(s.LastActivityAt)), ("expires", Ms(s.ExpiresAt)), ("ended", Ms(s.EndedAt)), ("reason", s.EndedReason),
            ("detail", s.EndedDetail), ("idle", s.IdleTimeoutSeconds), ("onidle", s.OnIdle.ToString()), ("ckpt", s.EnableCheckpoint ? 1 : 0),
            ("version", s.Version));
        if (written > 0)
        {
            await ExecAsync(c, tx, "DELETE FROM sandbox_labels WHERE sandbox_id = @id", ("id", s.SandboxId));
            foreach (var (k, v) in s.Labels)
                await ExecAsync(c, tx, "INSERT INTO sandbox_labels (sandbox_id, label_key, label_value) VALUES (@id, @k, @v)", ("id", s.SandboxId), ("k", k), ("v", v));
        }
        await tx.CommitAsync(ct);
    }

    public async Task RemoveAsync(string sandboxId, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await ExecAsync(c, tx, "DELETE FROM sandbox_labels WHERE sandbox_id = @id", ("id", sandboxId));
        await ExecAsync(c, tx, "DELETE FROM sandbox_catalog WHERE sandbox_id = @id", ("id", sandboxId));
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<SandboxSummary>> QueryAsync(CatalogQuery q, CancellationToken ct)
    {
        var where = new List<string>();
        var args = new List<(string, object?)>();
        if (q.Owner is not null)
        {
            where.Add("owner = @owner");
            args.Add(("owner", q.Owner));
        }
        if (q.States.Count > 0)
        {
            where.Add("state IN (" + string.Join(", ", q.States.Select((_, i) => "@s" + i)) + ")");
            args.AddRange(q.States.Select((s, i) => ("s" + i, (object?)s)));
        }
        var n = 0;
        foreach (var (k, v) in q.Labels)
        {
            where.Add($"sandbox_id IN (SELECT sandbox_id FROM sandbox_labels WHERE label_key = @lk{n} AND label_value = @lv{n})");
            args.Add(("lk" + n, k));
            args.Add(("lv" + n, v));
            n++;
        }
        if (q.ExpiringBy is { } by)
        {
            where.Add("state = 'paused' AND expires_at IS NOT NULL AND expires_at <= @expiring");
            args.Add(("expiring", Ms(by)));
        }
        if (q.EndedBy is { } ended)
        {
            where.Add("state = 'ended' AND ended_at <= @endedby");
            args.Add(("endedby", Ms(ended)));
        }
        args.Add(("limit", Math.Clamp(q.Limit, 1, 10_000)));
        await using var c = await OpenAsync(ct);
        var rows = new List<SandboxSummary>();
        await using (var cmd = Command(c, null, $"SELECT {Columns} FROM sandbox_catalog" +
                                           (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                                           " ORDER BY created_at DESC, sandbox_id LIMIT @limit", args.ToArray()))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct)) rows.Add(Read(r));
        }
        if (rows.Count == 0) return rows;
        var labels = new Dictionary<string, ImmutableSortedDictionary<string, string>.Builder>();
        // in chunks, so no statement holds more parameters than a database accepts
        foreach (var chunk in rows.Select(x => x.SandboxId).Chunk(500))
        {
            await using var cmd = Command(c, null, "SELECT sandbox_id, label_key, label_value FROM sandbox_labels WHERE sandbox_id IN (" +
                                                   string.Join(", ", chunk.Select((_, i) => "@i" + i)) + ")",
                chunk.Select((id, i) => ("i" + i, (object?)id)).ToArray());
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var id = r.GetString(0);
                if (!labels.TryGetValue(id, out var b)) labels[id] = b = ImmutableSortedDictionary.CreateBuilder<string, string>();
                b[r.GetString(1)] = r.GetString(2);
            }
        }
        return rows.Select(x => labels.TryGetValue(x.SandboxId, out var b) ? x with { Labels = b.ToImmutable() } : x).ToList();
    }

    public async Task<(int Held, int CreatedSince)> CountAsync(string owner, DateTimeOffset createdSince, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = Command(c, null,
            "SELECT COALESCE(SUM(CASE WHEN state <> 'ended' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN created_at >= @since THEN 1 ELSE 0 END), 0) " +
            "FROM sandbox_catalog WHERE owner = @owner", ("owner", owner), ("since", Ms(createdSince)));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (Convert.ToInt32(r.GetValue(0)), Convert.ToInt32(r.GetValue(1)));
    }

    private static SandboxSummary Read(DbDataReader r)
    {
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        DateTimeOffset? T(int i) => r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(r.GetValue(i)));
        return new SandboxSummary(r.GetString(0), r.GetString(2), S(1), ImmutableSortedDictionary<string, string>.Empty, S(3), T(4), T(5), T(6), T(7),
            S(8), S(9), r.IsDBNull(10) ? null : Convert.ToDouble(r.GetValue(10)),
            Enum.TryParse<IdleAction>(S(11), out var idle) ? idle : IdleAction.Kill, Convert.ToInt32(r.GetValue(12)) != 0, Convert.ToInt64(r.GetValue(13)));
    }

    private static long? Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds();

    private async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var c = connect();
        await c.OpenAsync(ct);
        return c;
    }

    private static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    private static async Task<int> ExecAsync(DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        await using var cmd = Command(c, tx, sql, args);
        return await cmd.ExecuteNonQueryAsync();
    }
}
