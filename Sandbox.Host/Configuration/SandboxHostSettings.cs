using Sandbox.Actors.Hosts;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway;

namespace Sandbox.Host.Configuration;

public enum PersistenceProvider { Sqlite, Postgres }

/// <summary>Everything a node is configured with, read once from the environment (README lists each variable).</summary>
public sealed record SandboxHostSettings
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8080;
    public string DataDir { get; init; } = "/var/lib/gvisor-sandbox";
    /// <summary>gateway, sandbox-host, or both (the embedded default).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [NodeRoles.Gateway, NodeRoles.SandboxHost];
    public string AkkaHost { get; init; } = "127.0.0.1";
    /// <summary>0 picks a free port (fine for a single node that seeds itself).</summary>
    public int AkkaPort { get; init; }
    public IReadOnlyList<string> SeedNodes { get; init; } = [];
    public PersistenceProvider Persistence { get; init; } = PersistenceProvider.Sqlite;
    public string? ConnectionString { get; init; }
    public string LogLevel { get; init; } = "Info";
    /// <summary>LOG_FORMAT=json: one JSON object per log line, with the sandbox id as a field.</summary>
    public bool LogJson { get; init; }
    public RunscOptions Runsc { get; init; } = new();
    public SandboxHostOptions Sandboxes { get; init; } = new();
    /// <summary>Containers kept running ahead of demand on a sandbox host (0 turns the pool off).</summary>
    public int WarmPoolSize { get; init; } = WarmPool.DefaultSize;
    public GatewayOptions Gateway { get; init; } = new();
    /// <summary>How often every node polls the sandbox hosts' load for placement.</summary>
    public TimeSpan PlacementRefreshInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Checkpoints: files under a directory (a disk or a FUSE-mounted bucket) wins over a bucket
    /// reached through the GCS API; neither turns checkpointing off.</summary>
    public string? CheckpointMountPath { get; init; }
    public string? CheckpointBucket { get; init; }
    public string? SnapshotMountPath { get; init; }
    public string? SnapshotBucket { get; init; }
    /// <summary>An endpoint for a GCS emulator (STORAGE_EMULATOR_HOST); unset means Google's service
    /// with Application Default Credentials.</summary>
    public string? GcsEndpoint { get; init; }

    /// <summary>The admin API (sandboxctl, dashboard, /metrics): its own Kestrel listener. Port 0 turns it
    /// off; settings built in code (tests) start with it off, the environment's default is 9110.</summary>
    public string AdminHost { get; init; } = "127.0.0.1";
    public int AdminPort { get; init; }
    /// <summary>Bearer token every admin request must carry; required when <see cref="AdminHost"/> is not loopback.</summary>
    public string? AdminToken { get; init; }

    /// <summary>HOCON that overrides everything else (SANDBOX_AKKA_HOCON), for one-off tuning of a node.</summary>
    public string? ExtraHocon { get; init; }

    /// <summary>Where the hocon/ files are (next to the executable by default).</summary>
    public string HoconDir { get; init; } = Path.Combine(AppContext.BaseDirectory, "hocon");

    public bool IsGateway => Roles.Contains(NodeRoles.Gateway);
    public bool IsSandboxHost => Roles.Contains(NodeRoles.SandboxHost);

    public string EffectiveConnectionString => ConnectionString ?? Persistence switch
    {
        PersistenceProvider.Sqlite => $"Data Source={Path.Combine(DataDir, "journal.db")}",
        _ => throw new InvalidOperationException("SANDBOX_DB_CONNECTION is required for PostgreSQL"),
    };

    public static SandboxHostSettings FromEnvironment(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var d = new SandboxHostSettings();
        string Str(string name, string fallback) => env(name) is { Length: > 0 } v ? v.Trim() : fallback;
        int Int(string name, int fallback) => int.TryParse(env(name), out var v) ? v : fallback;
        List<string> List(string name, IEnumerable<string> fallback) =>
            env(name) is { Length: > 0 } v ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() : fallback.ToList();

        var dataDir = Path.GetFullPath(Str("SANDBOX_DATA_DIR", d.DataDir));
        return d with
        {
            Host = Str("HOST", d.Host),
            Port = Int("PORT", d.Port),
            DataDir = dataDir,
            Roles = List("SANDBOX_ROLES", d.Roles),
            AkkaHost = Str("SANDBOX_AKKA_HOST", d.AkkaHost),
            AkkaPort = Int("SANDBOX_AKKA_PORT", d.AkkaPort),
            SeedNodes = List("SANDBOX_SEED_NODES", d.SeedNodes),
            Persistence = Str("SANDBOX_PERSISTENCE", "sqlite").ToLowerInvariant() is "postgres" or "postgresql" ? PersistenceProvider.Postgres : PersistenceProvider.Sqlite,
            ConnectionString = env("SANDBOX_DB_CONNECTION") is { Length: > 0 } cs ? cs : null,
            LogLevel = Str("LOG_LEVEL", d.LogLevel),
            AdminHost = Str("SANDBOX_ADMIN_HOST", d.AdminHost),
            AdminPort = Int("SANDBOX_ADMIN_PORT", 9110),
            AdminToken = env("SANDBOX_ADMIN_TOKEN") is { Length: > 0 } token ? token.Trim() : null,
            ExtraHocon = env("SANDBOX_AKKA_HOCON") is { Length: > 0 } hocon ? hocon : null,
            LogJson = Str("LOG_FORMAT", "text").Equals("json", StringComparison.OrdinalIgnoreCase),
            WarmPoolSize = Int("SANDBOX_WARM_POOL_SIZE", d.WarmPoolSize),
            Sandboxes = d.Sandboxes with
            {
                ExecutionTimeLimit = TimeSpan.FromSeconds(Int("SANDBOX_EXEC_TIMEOUT_SECONDS", (int)d.Sandboxes.ExecutionTimeLimit.TotalSeconds)),
                ExecutionOutputLimitBytes = long.TryParse(env("SANDBOX_EXEC_MAX_OUTPUT_BYTES"), out var maxOut) ? maxOut : d.Sandboxes.ExecutionOutputLimitBytes,
                MaxSandboxes = Int("SANDBOX_HOST_MAX_SANDBOXES", d.Sandboxes.MaxSandboxes),
                MaxConcurrentStarts = Int("SANDBOX_HOST_MAX_CONCURRENT_CREATES", d.Sandboxes.MaxConcurrentStarts),
            },
            CheckpointMountPath = env("SANDBOX_CHECKPOINT_MOUNT_PATH") is { Length: > 0 } cm ? cm : null,
            CheckpointBucket = env("SANDBOX_CHECKPOINT_BUCKET") is { Length: > 0 } cb ? cb : null,
            SnapshotMountPath = env("FILESYSTEM_SNAPSHOT_MOUNT_PATH") is { Length: > 0 } sm ? sm : null,
            SnapshotBucket = env("FILESYSTEM_SNAPSHOT_BUCKET") is { Length: > 0 } sb ? sb : null,
            GcsEndpoint = env("STORAGE_EMULATOR_HOST") is { Length: > 0 } ge ? ge : null,
            Runsc = RunscOptions.FromEnvironment(env, dataDir),
            Gateway = d.Gateway with
            {
                MaxExecuteBodyBytes = Int("SANDBOX_MAX_EXECUTE_BODY_BYTES", (int)d.Gateway.MaxExecuteBodyBytes),
                MaxMessageBytes = Int("SANDBOX_MAX_MESSAGE_BYTES", d.Gateway.MaxMessageBytes),
                KeepAliveInterval = TimeSpan.FromSeconds(Int("SANDBOX_WS_KEEPALIVE_SECONDS", (int)d.Gateway.KeepAliveInterval.TotalSeconds)),
                KeepAliveTimeout = TimeSpan.FromSeconds(Int("SANDBOX_WS_KEEPALIVE_TIMEOUT_SECONDS", (int)d.Gateway.KeepAliveTimeout.TotalSeconds)),
                ClusterLimits = new(Int("SANDBOX_CLUSTER_MAX_SANDBOXES", 0), Int("SANDBOX_CLUSTER_MAX_CONCURRENT_CREATES", 0)),
                CreateBusyWait = TimeSpan.FromSeconds(Int("SANDBOX_CREATE_QUEUE_SECONDS", (int)d.Gateway.CreateBusyWait.TotalSeconds)),
                RequestHeadersTimeout = TimeSpan.FromSeconds(Math.Max(1, Int("SANDBOX_HTTP_HEADERS_TIMEOUT_SECONDS", (int)d.Gateway.RequestHeadersTimeout.TotalSeconds))),
                ApiKeys = new ApiKeys(ApiKeysEnv.Read(env)),
            },
        };
    }
}

/// <summary>The API keys of SANDBOX_API_KEYS (comma-separated) and SANDBOX_API_KEYS_FILE (one per
/// line, '#' starts a comment). A named file that cannot be read stops the node: starting with the
/// keys silently off would open the server.</summary>
internal static class ApiKeysEnv
{
    public static IEnumerable<string> Read(Func<string, string?> env)
    {
        var keys = new List<string>();
        if (env("SANDBOX_API_KEYS") is { Length: > 0 } list)
            keys.AddRange(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (env("SANDBOX_API_KEYS_FILE") is { Length: > 0 } file)
        {
            if (!File.Exists(file)) throw new InvalidOperationException($"SANDBOX_API_KEYS_FILE names {file}, which does not exist");
            keys.AddRange(File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
        }
        return keys;
    }
}
