using Sandbox.Actors.Hosts;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway;

namespace Sandbox.Host.Configuration;

/// <summary>Everything a node is configured with, read once from the environment at start
/// (<see cref="NodeEnvironment"/> declares each variable; the README lists them).</summary>
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
    /// <summary>NLog's name of the level (Trace, Debug, Info, Warn, Error, Fatal).</summary>
    public string LogLevel { get; init; } = "Info";
    /// <summary>LOG_FORMAT=json: one JSON object per log line, with the sandbox id as a field.</summary>
    public bool LogJson { get; init; }
    public RunscOptions Runsc { get; init; } = new();
    /// <summary>The sandbox network (RUNSC_DISABLE_NETWORKING=false turns it on).</summary>
    public Sandbox.Actors.Network.NetworkOptions Network { get; init; } = new();
    public SandboxHostOptions Sandboxes { get; init; } = new();
    /// <summary>Containers kept running ahead of demand on a sandbox host (0 turns the pool off).</summary>
    public int WarmPoolSize { get; init; } = WarmPool.DefaultSize;
    /// <summary>How far bursts of creates may grow the pool (<see cref="WarmPoolSizing"/>); null: four
    /// times its size, at most 16; equal to the size: a pool of fixed size.</summary>
    public int? WarmPoolMax { get; init; }
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

    /// <summary>Mutual TLS between nodes; off in code-built settings, on by default from the environment
    /// when remoting listens beyond loopback.</summary>
    public RemotingTls Tls { get; init; } = new();

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

    /// <summary>
    /// The settings of the variables in <paramref name="env"/> (the process environment by default), bound
    /// through the declarations of <see cref="NodeEnvironment"/> and checked by <see cref="NodeConfigurationRules"/>.
    /// Throws <see cref="InvalidConfigurationException"/> listing every variable that is wrong.
    /// </summary>
    public static SandboxHostSettings FromEnvironment(Func<string, string?>? env = null) =>
        EnvironmentBinder.Bind(env ?? Environment.GetEnvironmentVariable);
}
