using Sandbox.Actors.Hosts;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Gateway;
using static Sandbox.Host.Configuration.VariableDefault;

namespace Sandbox.Host.Configuration;

/// <summary>
/// Every environment variable the node reads, each declared once: name, what it accepts, default,
/// meaning, and the option it sets. <see cref="EnvironmentBinder"/> binds them in this order at start
/// and refuses the node (exit 2) on a value that does not parse or is out of range.
///
/// To add a variable:
///   1. add the property to its option record (with the same default in its initializer, for
///      settings built in code), e.g. <c>public int EndedRetentionHours { get; init; } = 24;</c>;
///   2. add one declaration below, next to its neighbours, e.g.
///      <c>Var("SANDBOX_ENDED_RETENTION_HOURS", Accepts.WholeNumber(1, 8760), Of("24"), "hours an ended sandbox stays listed",
///          (s, v) => Sandboxes(s, o => o with { EndedRetentionHours = v })),</c>
///      (<see cref="Accepts"/> has whole numbers, numbers, seconds, flags, words, ports, hosts, paths,
///      files, lists; <c>Secret = true</c> keeps a value out of error lines; a rule between several
///      variables goes into <see cref="NodeConfigurationRules"/>);
///   3. add its row to the README's configuration table (ConfigurationTableSpec compares the two and
///      prints the row it expects);
///   4. add a value it refuses to EnvironmentBindingSpec.BadValues and one it accepts, with the option
///      it must land in, to GoodValues (the spec fails until every declared variable has both).
/// A default that depends on another variable is <c>Computed("…")</c> with a <c>WhenUnset</c>, declared after that variable.
/// </summary>
public static class NodeEnvironment
{
    public static readonly IReadOnlyList<EnvVar> Variables =
    [
        // where the gateway listens
        Var("HOST", Accepts.HostName, Of("127.0.0.1"), "address the gateway (HTTP and WebSocket) listens on",
            (s, v) => s with { Host = v }),
        Var("PORT", Accepts.Port(), Of("8080"), "port the gateway listens on",
            (s, v) => s with { Port = v }),

        // node state and the sandbox image
        Var("SANDBOX_DATA_DIR", Accepts.Path, Of("/var/lib/gvisor-sandbox"), "node state: SQLite journal, rootfs, container registry",
            (s, v) => s with { DataDir = v }),
        Var("SANDBOX_ROOTFS", Accepts.Path, Computed("`$SANDBOX_DATA_DIR/rootfs`"), "the sandbox root filesystem image (read only; needs python3)",
            (s, v) => Runsc(s, r => r with { RootfsPath = v }))
            with { WhenUnset = s => Runsc(s, r => r with { RootfsPath = System.IO.Path.Combine(s.DataDir, "rootfs") }) },

        // how runsc is driven (PROTOCOL.md §12.1)
        Var("RUNSC_BINARY", Accepts.Text, Of("runsc"), "the runsc executable (a name on PATH or a path)",
            (s, v) => Runsc(s, r => r with { RunscBinary = v })),
        Var("RUNSC_USE_SUDO", Accepts.Flag, Of("false"), "prefix every runsc command with sudo",
            (s, v) => Runsc(s, r => r with { UseSudo = v })),
        Var("RUNSC_ROOTLESS", Accepts.Flag, Of("false"), "runsc --rootless",
            (s, v) => Runsc(s, r => r with { Rootless = v })),
        Var("RUNSC_ROOT_DIR_BASE", Accepts.Path, Of("/tmp"), "runsc state per sandbox in <base>/runsc_root_<sandbox_id>",
            (s, v) => Runsc(s, r => r with { RootDirBase = v })),
        Var("RUNSC_BUNDLE_DIR_BASE", Accepts.Path, Of("/tmp"), "OCI bundle and writable layer per sandbox in <base>/runsc_bundle_<sandbox_id>",
            (s, v) => Runsc(s, r => r with { BundleDirBase = v })),
        Var("RUNSC_IGNORE_CGROUPS", Accepts.Flag, Computed("`false` where the host has cgroups (v1 memory hierarchy or v2 memory controller), else `true`"),
            "runsc --ignore-cgroups: with `true` a sandbox's memory and CPU limits do not hold on the host",
            (s, v) => Runsc(s, r => r with { IgnoreCgroups = v }))
            with { WhenUnset = s => Runsc(s, r => r with { IgnoreCgroups = !HostCgroups.Usable }) },
        Var("RUNSC_PLATFORM", Accepts.OneOf("ptrace, systrap or kvm; empty for runsc's own default",
                ("ptrace", "ptrace"), ("systrap", "systrap"), ("kvm", "kvm"), ("", "")), Of("ptrace"), "runsc --platform",
            (s, v) => Runsc(s, r => r with { Platform = v })) with { EmptyIsAValue = true },
        Var("RUNSC_DISABLE_NETWORKING", Accepts.Flag, Of("true"),
            "true: no sandbox network on this node (--network=none, only egress none); false: a private network per sandbox with egress under policy, default allow_all",
            (s, v) => Network(Runsc(s, r => r with { DisableNetworking = v }), n => n with { Enabled = !v })),
        Var("RUNSC_READONLY_FILESYSTEM", Accepts.Flag, Of("false"), "read-only root, no writable layer",
            (s, v) => Runsc(s, r => r with { ReadonlyFilesystem = v })),
        Var("GVISOR_DEBUG", Accepts.Flag, Of("false"), "runsc --debug with logs under GVISOR_DEBUG_LOG_DIR/<sandbox_id>/",
            (s, v) => Runsc(s, r => r with { Debug = v })),
        // the reference documentation misspelt this one; the right spelling, declared after it, wins
        Var("GVISOR_LOG_PACEKTS", Accepts.Flag, Of("false"), "old spelling of GVISOR_LOG_PACKETS",
            (s, v) => Runsc(s, r => r with { LogPackets = v })),
        Var("GVISOR_LOG_PACKETS", Accepts.Flag, Computed("GVISOR_LOG_PACEKTS, else `false`"), "runsc --log-packets (with debug)",
            (s, v) => Runsc(s, r => r with { LogPackets = v })),
        Var("GVISOR_STRACE", Accepts.Flag, Of("false"), "runsc --strace",
            (s, v) => Runsc(s, r => r with { Strace = v })),
        Var("GVISOR_DEBUG_LOG_DIR", Accepts.Path, Of("/tmp/runsc"), "base directory of runsc debug logs",
            (s, v) => Runsc(s, r => r with { DebugLogDir = v })),

        // the sandbox network (API-v1.md §6)
        Var("SANDBOX_NETWORK_SUBNET", Accepts.Cidr(8, 28), Of("10.213.0.0/16"),
            "pool of sandbox addresses; its first address is every sandbox's gateway and resolver (must not overlap the node's networks)",
            (s, v) => Network(s, n => n with { Subnet = v })),
        Var("SANDBOX_NETWORK_ALLOW_PRIVATE", Accepts.ListOf(Accepts.Cidr(0, 32), "comma-separated IPv4 networks"), Unset,
            "networks taken out of the always-denied ranges (a policy must still allow them); never the pool",
            (s, v) => Network(s, n => n with { AllowPrivate = v })),
        Var("SANDBOX_NETWORK_DNS", Accepts.ListOf(Accepts.Ipv4Endpoint, "comma-separated IPv4 addresses with an optional :port (one port for all)"),
            Computed("the IPv4 nameservers of the node's `/etc/resolv.conf`"), "upstream resolvers of the node's DNS forwarder for sandboxes",
            (s, v) => Network(s, n => n with { Upstreams = v })),

        // logs
        Var("LOG_LEVEL", Accepts.OneOf("trace, debug, info, warn, error or fatal (any case; also warning, critical)",
                ("trace", "Trace"), ("debug", "Debug"), ("info", "Info"), ("information", "Info"), ("warn", "Warn"), ("warning", "Warn"),
                ("error", "Error"), ("fatal", "Fatal"), ("critical", "Fatal")), Of("info"), "least severe level written (NLog; Akka's log included)",
            (s, v) => s with { LogLevel = v }),
        Var("LOG_FORMAT", Accepts.OneOf("text or json", ("text", false), ("json", true)), Of("text"), "json: one JSON object per line with the sandbox id as a field",
            (s, v) => s with { LogJson = v }),

        // the gateway's limits on clients
        Var("SANDBOX_MAX_EXECUTE_BODY_BYTES", Accepts.WholeNumber(1L, 1L << 30), Of("4194304"), "larger /execute bodies get 413",
            (s, v) => Gateway(s, g => g with { MaxExecuteBodyBytes = v })),
        Var("SANDBOX_MAX_MESSAGE_BYTES", Accepts.WholeNumber(1024, 1 << 30), Of("16777216"), "larger WebSocket messages get SANDBOX_ERROR and close 1009",
            (s, v) => Gateway(s, g => g with { MaxMessageBytes = v })),
        Var("SANDBOX_WS_KEEPALIVE_SECONDS", Accepts.Seconds(1, 3600), Of("20"), "interval of the server's WebSocket pings",
            (s, v) => Gateway(s, g => g with { KeepAliveInterval = v })),
        Var("SANDBOX_WS_KEEPALIVE_TIMEOUT_SECONDS", Accepts.Seconds(1, 3600), Of("20"), "a peer silent past this after a ping is dropped (a detach, not a kill)",
            (s, v) => Gateway(s, g => g with { KeepAliveTimeout = v })),
        Var("SANDBOX_HTTP_HEADERS_TIMEOUT_SECONDS", Accepts.Seconds(1, 600), Of("10"), "a request's headers must arrive within this (slowloris)",
            (s, v) => Gateway(s, g => g with { RequestHeadersTimeout = v })),
        Var("SANDBOX_API_KEYS", Accepts.ListOf(Accepts.Text, "comma-separated keys"), Unset, "API keys the client and operator routes require",
            (s, v) => Gateway(s, g => g with { ApiKeys = g.ApiKeys.And(v) })) with { Secret = true },
        Var("SANDBOX_API_KEYS_FILE", Accepts.ReadableFile.Select(ApiKeyFile.Read).Described("the path of a readable file with at least one key"), Unset,
            "a file of API keys, one per line ('#' comments), added to SANDBOX_API_KEYS",
            (s, v) => Gateway(s, g => g with { ApiKeys = g.ApiKeys.And(v) })),

        // checkpoint and snapshot stores (PROTOCOL.md §13.1)
        Var("SANDBOX_CHECKPOINT_MOUNT_PATH", Accepts.Path, Unset, "checkpoints as files in this directory (wins over the bucket)",
            (s, v) => s with { CheckpointMountPath = v }),
        Var("SANDBOX_CHECKPOINT_BUCKET", Accepts.BucketName, Unset, "checkpoints in this Cloud Storage bucket",
            (s, v) => s with { CheckpointBucket = v }),
        Var("FILESYSTEM_SNAPSHOT_MOUNT_PATH", Accepts.Path, Unset, "filesystem snapshots as files in this directory (wins over the bucket)",
            (s, v) => s with { SnapshotMountPath = v }),
        Var("FILESYSTEM_SNAPSHOT_BUCKET", Accepts.BucketName, Unset, "filesystem snapshots in this Cloud Storage bucket",
            (s, v) => s with { SnapshotBucket = v }),
        Var("STORAGE_EMULATOR_HOST", Accepts.HttpEndpoint, Unset, "a Cloud Storage emulator instead of Google's service",
            (s, v) => s with { GcsEndpoint = v }),
        Var("SANDBOX_METADATA_MOUNT_PATH", Accepts.Ignored, Unset, "not needed: sandbox metadata lives in the journal",
            (s, _) => s),
        Var("SANDBOX_METADATA_BUCKET", Accepts.Ignored, Unset, "not needed: sandbox metadata lives in the journal",
            (s, _) => s),

        // executions and sandboxes
        Var("SANDBOX_EXEC_TIMEOUT_SECONDS", Accepts.Seconds(1, 604800), Of("3600"), "wall-clock limit of one execution (it is killed, the sandbox stays)",
            (s, v) => Sandboxes(s, o => o with { ExecutionTimeLimit = v })),
        Var("SANDBOX_EXEC_MAX_OUTPUT_BYTES", Accepts.WholeNumber(1L, 1L << 40), Of("4294967296"), "output one execution may produce before it is killed",
            (s, v) => Sandboxes(s, o => o with { ExecutionOutputLimitBytes = v })),
        Var("SANDBOX_HOST_MAX_SANDBOXES", Accepts.AutoOrWholeNumber(1, 100_000), Of("auto"),
            "sandboxes one host runs at most (auto: sized at start from the host's memory, disk and task limit)",
            (s, v) => Sandboxes(s, o => o with { MaxSandboxes = v })),
        Var("SANDBOX_HOST_MAX_CONCURRENT_CREATES", Accepts.WholeNumber(1, 1000), Of("8"), "sandboxes one host starts at once at most",
            (s, v) => Sandboxes(s, o => o with { MaxConcurrentStarts = v })),
        Var("SANDBOX_CLUSTER_MAX_SANDBOXES", Accepts.WholeNumber(0, 10_000_000).Described("a whole number from 0 to 10000000 (0: no cap)"), Of("0"),
            "sandboxes the whole cluster runs at most",
            (s, v) => Gateway(s, g => g with { ClusterLimits = g.ClusterLimits with { MaxSandboxes = v } })),
        Var("SANDBOX_CLUSTER_MAX_CONCURRENT_CREATES", Accepts.WholeNumber(0, 100_000).Described("a whole number from 0 to 100000 (0: no cap)"), Of("0"),
            "sandboxes the whole cluster starts at once at most",
            (s, v) => Gateway(s, g => g with { ClusterLimits = g.ClusterLimits with { MaxConcurrentCreates = v } })),
        Var("SANDBOX_CREATE_QUEUE_SECONDS", Accepts.Seconds(0, 3600), Of("30"), "how long a create waits for a busy host before it is refused (HTTP 429)",
            (s, v) => Gateway(s, g => g with { CreateBusyWait = v })),
        Var("SANDBOX_MEMORY_LIMIT_MB", Accepts.WholeNumber(0, 1 << 20).Described("a whole number from 0 to 1048576 (0: none)"), Of("1024"), "memory of one sandbox",
            (s, v) => Limits(s, l => l with { MemoryMb = v })),
        Var("SANDBOX_CPU_LIMIT", Accepts.Number(0, 1024).Described("a number of cores from 0 to 1024, e.g. 0.5 (0: none)"), Of("1"), "CPU cores of one sandbox",
            (s, v) => Limits(s, l => l with { CpuCores = v })),
        Var("SANDBOX_PIDS_LIMIT", Accepts.WholeNumber(0, 4_194_304).Described("a whole number from 0 to 4194304 (0: none)"), Of("256"), "processes plus threads in one sandbox",
            (s, v) => Limits(s, l => l with { Pids = v })),
        Var("SANDBOX_DISK_LIMIT_MB", Accepts.WholeNumber(0, 1 << 20).Described("a whole number from 0 to 1048576 (0: none)"), Of("1024"), "size of one sandbox's writable layer",
            (s, v) => Limits(s, l => l with { DiskMb = v })),
        Var("SANDBOX_ENDED_RETENTION_HOURS", Accepts.WholeNumber(1, 8760), Of("24"), "hours an ended sandbox stays answerable (GET, list, events) before it is forgotten",
            (s, v) => Sandboxes(s, o => o with { EndedRetention = TimeSpan.FromHours(v) })),
        Var("SANDBOX_PROCESS_OUTPUT_KEEP_BYTES", Accepts.WholeNumber(4096L, 1L << 30).Described("a whole number of bytes from 4096 to 1073741824"), Of("8388608"),
            "output kept per API process (the newest; older offsets answer with a gap)",
            (s, v) => Sandboxes(s, o => o with { ProcessOutputKeepBytes = v })),
        Var("SANDBOX_API_KEY_MAX_SANDBOXES", Accepts.WholeNumber(0, 1_000_000).Described("a whole number from 0 to 1000000 (0: none)"), Of("0"),
            "live and paused sandboxes one API key may hold (over it: 429)",
            (s, v) => Gateway(s, g => g with { KeyQuotas = g.KeyQuotas with { MaxSandboxes = v } })),
        Var("SANDBOX_API_KEY_CREATES_PER_MINUTE", Accepts.WholeNumber(0, 1_000_000).Described("a whole number from 0 to 1000000 (0: none)"), Of("0"),
            "sandboxes one API key may create per minute (over it: 429 with Retry-After)",
            (s, v) => Gateway(s, g => g with { KeyQuotas = g.KeyQuotas with { CreatesPerMinute = v } })),
        Var("SANDBOX_WARM_POOL_SIZE", Accepts.WholeNumber(0, 256).Described("a whole number from 0 to 256 (0: no pool)"), Computed("2 × cores, at most 8"),
            "containers started ahead of demand per sandbox host",
            (s, v) => s with { WarmPoolSize = v }),
        Var("SANDBOX_WARM_POOL_MAX", Accepts.WholeNumber(0, 256).Described("a whole number from 0 to 256, at least SANDBOX_WARM_POOL_SIZE"),
                Computed("4 × `SANDBOX_WARM_POOL_SIZE`, at most 16"),
            "how far bursts of creates grow the pool (back to its size 10 minutes after the last); equal to the size: fixed",
            (s, v) => s with { WarmPoolMax = v }),

        // the cluster
        Var("SANDBOX_ROLES", Accepts.ListOf(Accepts.OneOf("gateway or sandbox-host", (NodeRoles.Gateway, NodeRoles.Gateway), (NodeRoles.SandboxHost, NodeRoles.SandboxHost)),
                "gateway, sandbox-host or both, comma-separated"), Of("gateway,sandbox-host"), "what this node does",
            (s, v) => s with { Roles = v.Distinct().ToList() }),
        Var("SANDBOX_AKKA_HOCON", Accepts.Hocon, Unset, "HOCON that overrides the node's other Akka settings (TLS excepted)",
            (s, v) => s with { ExtraHocon = v }),
        Var("SANDBOX_AKKA_HOST", Accepts.HostName, Of("127.0.0.1"), "address Akka remoting binds to and advertises",
            (s, v) => s with { AkkaHost = v }),
        Var("SANDBOX_AKKA_PORT", Accepts.Port("any free port"), Of("0"), "port of Akka remoting",
            (s, v) => s with { AkkaPort = v }),
        Var("SANDBOX_SEED_NODES", Accepts.ListOf(Accepts.AkkaAddress, "comma-separated akka.tcp://sandbox@host:port (akka.ssl.tcp:// with TLS)"), Unset,
            "nodes to join; without seeds a node forms its own cluster",
            (s, v) => s with { SeedNodes = v }),
        Var("SANDBOX_TLS_CERT", Accepts.ReadableFile, Unset, "this node's certificate: PEM (key in SANDBOX_TLS_KEY or the same file) or PKCS#12",
            (s, v) => Tls(s, t => t with { CertificatePath = v })),
        Var("SANDBOX_TLS_KEY", Accepts.ReadableFile, Unset, "the PEM private key of SANDBOX_TLS_CERT",
            (s, v) => Tls(s, t => t with { KeyPath = v })),
        Var("SANDBOX_TLS_PASSWORD", Accepts.Text, Unset, "the password of a PKCS#12 SANDBOX_TLS_CERT (or of an encrypted PEM key)",
            (s, v) => Tls(s, t => t with { Password = v })) with { Secret = true },
        Var("SANDBOX_TLS_CA", Accepts.ReadableFile, Unset, "PEM certificate(s) of the CA that signs every node's certificate",
            (s, v) => Tls(s, t => t with { AuthorityPath = v })),
        Var("SANDBOX_TLS", Accepts.Flag, Computed("`true` when SANDBOX_TLS_CERT is set or SANDBOX_AKKA_HOST is not loopback, else `false`"), "mutual TLS on Akka remoting",
            (s, v) => Tls(s, t => t with { Enabled = v }))
            with { WhenUnset = s => Tls(s, t => t with { Enabled = t.CertificatePath is not null || !NodeConfigurationRules.IsLoopback(s.AkkaHost) }) },

        // the journal
        Var("SANDBOX_PERSISTENCE", Accepts.OneOf("sqlite or postgres", ("sqlite", PersistenceProvider.Sqlite), ("postgres", PersistenceProvider.Postgres),
                ("postgresql", PersistenceProvider.Postgres)), Of("sqlite"), "journal of the sandbox actors",
            (s, v) => s with { Persistence = v }),
        Var("SANDBOX_DB_CONNECTION", Accepts.Text, Computed("`Data Source=$SANDBOX_DATA_DIR/journal.db` with sqlite"), "journal connection string (Npgsql's for postgres)",
            (s, v) => s with { ConnectionString = v }) with { Secret = true },

        // the admin API
        Var("SANDBOX_ADMIN_HOST", Accepts.HostName, Of("127.0.0.1"), "address of the admin API (sandboxctl, dashboard, /metrics)",
            (s, v) => s with { AdminHost = v }),
        Var("SANDBOX_ADMIN_PORT", Accepts.Port("off"), Of("9110"), "port of the admin API",
            (s, v) => s with { AdminPort = v }),
        Var("SANDBOX_ADMIN_TOKEN", Accepts.Text, Unset, "bearer token every admin request must carry; required off loopback",
            (s, v) => s with { AdminToken = v }) with { Secret = true },
    ];

    public static EnvVar Named(string name) => Variables.Single(v => v.Name == name);

    private static EnvVar<T> Var<T>(string name, Accepts<T> accepts, VariableDefault @default, string meaning, Func<SandboxHostSettings, T, SandboxHostSettings> set) =>
        new(name, accepts, @default, meaning, set);

    private static SandboxHostSettings Runsc(SandboxHostSettings s, Func<RunscOptions, RunscOptions> change) => s with { Runsc = change(s.Runsc) };
    private static SandboxHostSettings Limits(SandboxHostSettings s, Func<ResourceLimits, ResourceLimits> change) => Runsc(s, r => r with { Limits = change(r.Limits) });
    private static SandboxHostSettings Gateway(SandboxHostSettings s, Func<GatewayOptions, GatewayOptions> change) => s with { Gateway = change(s.Gateway) };
    private static SandboxHostSettings Sandboxes(SandboxHostSettings s, Func<SandboxHostOptions, SandboxHostOptions> change) => s with { Sandboxes = change(s.Sandboxes) };
    private static SandboxHostSettings Network(SandboxHostSettings s, Func<Sandbox.Actors.Network.NetworkOptions, Sandbox.Actors.Network.NetworkOptions> change) =>
        s with { Network = change(s.Network) };
    private static SandboxHostSettings Tls(SandboxHostSettings s, Func<RemotingTls, RemotingTls> change) => s with { Tls = change(s.Tls) };
}
