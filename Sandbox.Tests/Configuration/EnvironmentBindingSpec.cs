using Sandbox.Core.Placement;
using Sandbox.Actors.Placement;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Gateway;
using Sandbox.Host.Configuration;

namespace Sandbox.Tests.Configuration;

/// <summary>Issue 12 item 5: every variable is bound from its declaration, a wrong value is refused
/// naming the variable, the value and what it accepts, and the defaults are those of before.</summary>
public class EnvironmentBindingSpec
{
    internal static SandboxHostSettings Bind(params (string Name, string Value)[] vars)
    {
        var d = vars.ToDictionary(v => v.Name, v => v.Value);
        return SandboxHostSettings.FromEnvironment(n => d.GetValueOrDefault(n));
    }

    internal static IReadOnlyList<ConfigurationProblem> Problems(params (string Name, string Value)[] vars) =>
        Assert.Throws<InvalidConfigurationException>(() => Bind(vars)).Problems;

    [Fact]
    public void Without_any_variable_every_default_is_the_one_of_before()
    {
        var s = Bind();
        Assert.Equal("127.0.0.1", s.Host);
        Assert.Equal(8080, s.Port);
        Assert.Equal("/var/lib/gvisor-sandbox", s.DataDir);
        Assert.Equal(["gateway", "sandbox-host"], s.Roles);
        Assert.Equal("127.0.0.1", s.AkkaHost);
        Assert.Equal(0, s.AkkaPort);
        Assert.Empty(s.SeedNodes);
        Assert.Equal(PersistenceProvider.Sqlite, s.Persistence);
        Assert.Null(s.ConnectionString);
        Assert.Equal("Data Source=/var/lib/gvisor-sandbox/journal.db", s.EffectiveConnectionString);
        Assert.Equal("Info", s.LogLevel);
        Assert.False(s.LogJson);
        Assert.Equal("127.0.0.1", s.AdminHost);
        Assert.Equal(9110, s.AdminPort);
        Assert.Null(s.AdminToken);
        Assert.Null(s.ExtraHocon);
        Assert.Equal(WarmPool.DefaultSize, s.WarmPoolSize);
        Assert.Null(s.CheckpointMountPath);
        Assert.Null(s.CheckpointBucket);
        Assert.Null(s.SnapshotMountPath);
        Assert.Null(s.SnapshotBucket);
        Assert.Null(s.GcsEndpoint);
        Assert.False(s.Tls.Enabled);
        Assert.Equal(new RunscOptions(), s.Runsc);
        Assert.Equal("/var/lib/gvisor-sandbox/rootfs", s.Runsc.RootfsPath);
        Assert.Equal(new ResourceLimits { MemoryMb = 1024, CpuCores = 1, Pids = 256, DiskMb = 1024 }, s.Runsc.Limits);
        Assert.Equal(new SandboxHostOptions(), s.Sandboxes);
        Assert.Equal(TimeSpan.FromHours(1), s.Sandboxes.ExecutionTimeLimit);
        Assert.Equal(4L << 30, s.Sandboxes.ExecutionOutputLimitBytes);
        Assert.Null(s.Sandboxes.MaxSandboxes);   // auto: sized from the host when the node starts
        Assert.Equal(8, s.Sandboxes.MaxConcurrentStarts);
        var g = s.Gateway;
        Assert.Equal(new GatewayOptions(), g);
        Assert.Equal((16 << 20, 4L << 20), (g.MaxMessageBytes, g.MaxExecuteBodyBytes));
        Assert.Equal((TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20)), (g.KeepAliveInterval, g.KeepAliveTimeout));
        Assert.Equal(TimeSpan.FromSeconds(10), g.RequestHeadersTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), g.CreateBusyWait);
        Assert.Equal(new ClusterLimits(0, 0), g.ClusterLimits);
        Assert.False(g.ApiKeys.Enabled);
    }

    [Fact]
    public void Settings_built_in_code_start_from_the_environment_defaults_except_the_admin_port()
    {
        // tests build settings in code; they must not drift from what a node started without variables gets
        var fromCode = new SandboxHostSettings();
        var fromEnvironment = Bind();
        Assert.Equal(0, fromCode.AdminPort);   // parallel test servers would all want 9110
        Assert.Equal(fromCode with { AdminPort = 9110, Roles = fromEnvironment.Roles, SeedNodes = fromEnvironment.SeedNodes }, fromEnvironment);
        Assert.Equal(fromCode.Roles, fromEnvironment.Roles);
    }

    /// <summary>One value each variable must refuse; a variable that accepts any text says so in <see cref="AcceptAnyText"/>.</summary>
    public static readonly TheoryData<string, string> BadValues = new()
    {
        { "HOST", "not a host!" }, { "PORT", "99999" }, { "PORT", "0" }, { "PORT", "80a" },
        { "SANDBOX_DATA_DIR", "a\0b" }, { "SANDBOX_ROOTFS", "a\0b" },
        { "RUNSC_USE_SUDO", "maybe" }, { "RUNSC_ROOTLESS", "2" }, { "RUNSC_ROOT_DIR_BASE", "\0" }, { "RUNSC_BUNDLE_DIR_BASE", "\0" },
        { "RUNSC_IGNORE_CGROUPS", "on" }, { "RUNSC_PLATFORM", "kvm2" }, { "RUNSC_DISABLE_NETWORKING", "nope" },
        { "RUNSC_READONLY_FILESYSTEM", "ja" }, { "GVISOR_DEBUG", "t" }, { "GVISOR_LOG_PACEKTS", "y" }, { "GVISOR_LOG_PACKETS", "10" },
        { "GVISOR_STRACE", "-1" }, { "GVISOR_DEBUG_LOG_DIR", "\0" },
        { "LOG_LEVEL", "verbose" }, { "LOG_FORMAT", "xml" },
        { "SANDBOX_MAX_EXECUTE_BODY_BYTES", "0" }, { "SANDBOX_MAX_EXECUTE_BODY_BYTES", "4M" }, { "SANDBOX_MAX_MESSAGE_BYTES", "100" },
        { "SANDBOX_WS_KEEPALIVE_SECONDS", "0" }, { "SANDBOX_WS_KEEPALIVE_TIMEOUT_SECONDS", "1.5" }, { "SANDBOX_HTTP_HEADERS_TIMEOUT_SECONDS", "0" },
        { "SANDBOX_API_KEYS", " , ," }, { "SANDBOX_API_KEYS_FILE", "/no/such/keys" },
        { "SANDBOX_CHECKPOINT_MOUNT_PATH", "\0" }, { "SANDBOX_CHECKPOINT_BUCKET", "My_Bucket" }, { "FILESYSTEM_SNAPSHOT_MOUNT_PATH", "\0" },
        { "FILESYSTEM_SNAPSHOT_BUCKET", "ab" }, { "STORAGE_EMULATOR_HOST", "ftp://emulator:21" },
        { "SANDBOX_EXEC_TIMEOUT_SECONDS", "0" }, { "SANDBOX_EXEC_TIMEOUT_SECONDS", "1h" }, { "SANDBOX_EXEC_MAX_OUTPUT_BYTES", "-5" },
        { "SANDBOX_HOST_MAX_SANDBOXES", "abc" }, { "SANDBOX_HOST_MAX_SANDBOXES", "0" }, { "SANDBOX_HOST_MAX_SANDBOXES", "automatic" }, { "SANDBOX_HOST_MAX_CONCURRENT_CREATES", "1001" },
        { "SANDBOX_CLUSTER_MAX_SANDBOXES", "-1" }, { "SANDBOX_CLUSTER_MAX_CONCURRENT_CREATES", "many" }, { "SANDBOX_CREATE_QUEUE_SECONDS", "3601" },
        { "SANDBOX_MEMORY_LIMIT_MB", "1g" }, { "SANDBOX_CPU_LIMIT", "half" }, { "SANDBOX_CPU_LIMIT", "-0.5" }, { "SANDBOX_CPU_LIMIT", "NaN" },
        { "SANDBOX_PIDS_LIMIT", "-1" }, { "SANDBOX_DISK_LIMIT_MB", "lots" }, { "SANDBOX_WARM_POOL_SIZE", "257" }, { "SANDBOX_WARM_POOL_MAX", "lots" },
        { "SANDBOX_ROLES", "gateway,worker" }, { "SANDBOX_ROLES", "," }, { "SANDBOX_AKKA_HOCON", "a { b = " },
        { "SANDBOX_AKKA_HOST", "a host" }, { "SANDBOX_AKKA_PORT", "65536" },
        { "SANDBOX_SEED_NODES", "127.0.0.1:4053" }, { "SANDBOX_SEED_NODES", "akka.tcp://other@127.0.0.1:4053" }, { "SANDBOX_SEED_NODES", "akka.tcp://sandbox@127.0.0.1" },
        { "SANDBOX_TLS", "sometimes" }, { "SANDBOX_TLS_CERT", "/no/such/cert.pem" }, { "SANDBOX_TLS_KEY", "/no/such/key.pem" }, { "SANDBOX_TLS_CA", "/no/such/ca.pem" },
        { "SANDBOX_NETWORK_SUBNET", "10.213.0.0" }, { "SANDBOX_NETWORK_SUBNET", "10.213.0.0/30" }, { "SANDBOX_NETWORK_ALLOW_PRIVATE", "10.0.0.0/33" },
        { "SANDBOX_NETWORK_DNS", "resolver.example" }, { "SANDBOX_ENDED_RETENTION_HOURS", "0" }, { "SANDBOX_ENDED_RETENTION_HOURS", "1d" },
        { "SANDBOX_PROCESS_OUTPUT_KEEP_BYTES", "100" }, { "SANDBOX_PROCESS_OUTPUT_KEEP_BYTES", "8MiB" },
        { "SANDBOX_API_KEY_MAX_SANDBOXES", "-1" }, { "SANDBOX_API_KEY_CREATES_PER_MINUTE", "lots" },
        { "SANDBOX_PERSISTENCE", "mysql" }, { "SANDBOX_ADMIN_HOST", "admin host" }, { "SANDBOX_ADMIN_PORT", "-1" },
    };

    /// <summary>Variables with no wrong value: any text is a command, a connection string, a token, or is ignored.</summary>
    private static readonly string[] AcceptAnyText =
        ["RUNSC_BINARY", "SANDBOX_TLS_PASSWORD", "SANDBOX_DB_CONNECTION", "SANDBOX_ADMIN_TOKEN", "SANDBOX_METADATA_MOUNT_PATH", "SANDBOX_METADATA_BUCKET"];

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_wrong_value_stops_the_node_naming_the_variable_the_value_and_what_it_accepts(string name, string value)
    {
        var problem = Assert.Single(Problems((name, value)));
        Assert.Equal(name, problem.Variable);
        Assert.Equal(NodeEnvironment.Named(name).Secret ? EnvironmentBinder.Hidden : value, problem.Value);
        Assert.StartsWith("expected " + NodeEnvironment.Named(name).Accepted, problem.Message);
        Assert.Equal($"{name}={problem.Value}: {problem.Message}", problem.ToString());
    }

    [Fact]
    public void Every_variable_but_those_that_take_any_text_has_a_wrong_value_in_this_spec()
    {
        var covered = BadValues.Select(row => (string)row[0]).Concat(AcceptAnyText).ToHashSet();
        Assert.Empty(NodeEnvironment.Variables.Select(v => v.Name).Where(n => !covered.Contains(n)));
        Assert.All(AcceptAnyText, n => Bind((n, "anything at all")));
    }

    [Fact]
    public void The_example_of_the_issue_reads_as_one_line()
    {
        Assert.Equal("SANDBOX_HOST_MAX_SANDBOXES=abc: expected auto or a whole number from 1 to 100000",
            Assert.Single(Problems(("SANDBOX_HOST_MAX_SANDBOXES", "abc"))).ToString());
    }

    [Fact]
    public void Every_wrong_variable_of_one_start_is_named_at_once_in_declaration_order()
    {
        var problems = Problems(("SANDBOX_HOST_MAX_SANDBOXES", "abc"), ("RUNSC_USE_SUDO", "maybe"), ("PORT", "http"));
        Assert.Equal(["PORT", "RUNSC_USE_SUDO", "SANDBOX_HOST_MAX_SANDBOXES"], problems.Select(p => p.Variable));
    }

    [Theory]
    [InlineData("true", true)] [InlineData("TRUE", true)] [InlineData("1", true)] [InlineData("yes", true)] [InlineData(" Yes ", true)]
    [InlineData("false", false)] [InlineData("False", false)] [InlineData("0", false)] [InlineData("no", false)] [InlineData("NO", false)]
    public void Flags_take_true_false_1_0_yes_no_in_any_case(string value, bool expected)
    {
        Assert.Equal(expected, Bind(("RUNSC_USE_SUDO", value)).Runsc.UseSudo);
        Assert.Equal(expected, Bind(("RUNSC_IGNORE_CGROUPS", value)).Runsc.IgnoreCgroups);
    }

    [Fact]
    public void An_empty_or_blank_variable_is_unset_except_the_platform_where_empty_leaves_the_choice_to_runsc()
    {
        Assert.Null(Bind(("SANDBOX_HOST_MAX_SANDBOXES", "  ")).Sandboxes.MaxSandboxes);
        Assert.Equal("", Bind(("RUNSC_PLATFORM", "")).Runsc.Platform);
        Assert.Equal("ptrace", Bind().Runsc.Platform);
    }

    [Fact]
    public void A_secret_never_appears_in_an_error_line()
    {
        var problem = Assert.Single(Problems(("SANDBOX_API_KEYS", ",")));
        Assert.Equal(EnvironmentBinder.Hidden, problem.Value);
        Assert.All(NodeEnvironment.Variables.Where(v => v.Name is "SANDBOX_API_KEYS" or "SANDBOX_ADMIN_TOKEN" or "SANDBOX_TLS_PASSWORD" or "SANDBOX_DB_CONNECTION"),
            v => Assert.True(v.Secret, v.Name));
    }

    [Fact]
    public void Every_literal_default_is_a_value_its_variable_accepts_and_binds_like_unset()
    {
        var unset = Bind();
        foreach (var v in NodeEnvironment.Variables.Where(v => v.Default.IsLiteral))
        {
            var explicitly = Bind((v.Name, v.Default.Text));
            Assert.True(Same(unset, explicitly), $"{v.Name}={v.Default.Text} binds differently from leaving it unset");
        }
    }

    /// <summary>A value each variable accepts, and where it must land.</summary>
    private static (string Name, string Value, Func<SandboxHostSettings, object?> Option, object? Expected)[] GoodValues(string keyFile) =>
    [
        ("HOST", "0.0.0.0", s => s.Host, "0.0.0.0"),
        ("HOST", "::1", s => s.Host, "::1"),
        ("PORT", " 18080 ", s => s.Port, 18080),
        ("SANDBOX_DATA_DIR", "/srv/sandbox", s => (s.DataDir, s.Runsc.RootfsPath, s.EffectiveConnectionString),
            ("/srv/sandbox", "/srv/sandbox/rootfs", "Data Source=/srv/sandbox/journal.db")),
        ("SANDBOX_ROOTFS", "/images/debian", s => s.Runsc.RootfsPath, "/images/debian"),
        ("RUNSC_BINARY", "/opt/gvisor/runsc", s => s.Runsc.RunscBinary, "/opt/gvisor/runsc"),
        ("RUNSC_USE_SUDO", "yes", s => s.Runsc.UseSudo, true),
        ("RUNSC_ROOTLESS", "1", s => s.Runsc.Rootless, true),
        ("RUNSC_ROOT_DIR_BASE", "/run/sandbox", s => s.Runsc.RootDirFor("x"), "/run/sandbox/runsc_root_x"),
        ("RUNSC_BUNDLE_DIR_BASE", "/var/bundles", s => s.Runsc.BundleDirFor("x"), "/var/bundles/runsc_bundle_x"),
        ("RUNSC_IGNORE_CGROUPS", "true", s => s.Runsc.IgnoreCgroups, true),
        ("RUNSC_PLATFORM", "SYSTRAP", s => s.Runsc.Platform, "systrap"),
        ("RUNSC_DISABLE_NETWORKING", "no", s => (s.Runsc.DisableNetworking, s.Network.Enabled), (false, true)),
        ("RUNSC_READONLY_FILESYSTEM", "true", s => s.Runsc.ReadonlyFilesystem, true),
        ("GVISOR_DEBUG", "true", s => s.Runsc.Debug, true),
        ("GVISOR_LOG_PACEKTS", "true", s => s.Runsc.LogPackets, true),
        ("GVISOR_LOG_PACKETS", "1", s => s.Runsc.LogPackets, true),
        ("GVISOR_STRACE", "yes", s => s.Runsc.Strace, true),
        ("GVISOR_DEBUG_LOG_DIR", "/logs", s => s.Runsc.DebugLogDir, "/logs"),
        ("LOG_LEVEL", "WARNING", s => s.LogLevel, "Warn"),
        ("LOG_LEVEL", "debug", s => s.LogLevel, "Debug"),
        ("LOG_FORMAT", "JSON", s => s.LogJson, true),
        ("SANDBOX_MAX_EXECUTE_BODY_BYTES", "1024", s => s.Gateway.MaxExecuteBodyBytes, 1024L),
        ("SANDBOX_MAX_MESSAGE_BYTES", "65536", s => s.Gateway.MaxMessageBytes, 65536),
        ("SANDBOX_WS_KEEPALIVE_SECONDS", "5", s => s.Gateway.KeepAliveInterval, TimeSpan.FromSeconds(5)),
        ("SANDBOX_WS_KEEPALIVE_TIMEOUT_SECONDS", "7", s => s.Gateway.KeepAliveTimeout, TimeSpan.FromSeconds(7)),
        ("SANDBOX_HTTP_HEADERS_TIMEOUT_SECONDS", "3", s => s.Gateway.RequestHeadersTimeout, TimeSpan.FromSeconds(3)),
        ("SANDBOX_API_KEYS", "k1, k2", s => (s.Gateway.ApiKeys.Accepts("k1"), s.Gateway.ApiKeys.Accepts("k2"), s.Gateway.ApiKeys.Accepts("k3")), (true, true, false)),
        ("SANDBOX_API_KEYS_FILE", keyFile, s => s.Gateway.ApiKeys.Accepts("from-the-file"), true),
        ("SANDBOX_CHECKPOINT_MOUNT_PATH", "/mnt/checkpoints", s => s.CheckpointMountPath, "/mnt/checkpoints"),
        ("SANDBOX_CHECKPOINT_BUCKET", "my-sandbox-checkpoints", s => s.CheckpointBucket, "my-sandbox-checkpoints"),
        ("FILESYSTEM_SNAPSHOT_MOUNT_PATH", "/mnt/snapshots", s => s.SnapshotMountPath, "/mnt/snapshots"),
        ("FILESYSTEM_SNAPSHOT_BUCKET", "snapshots.example.com", s => s.SnapshotBucket, "snapshots.example.com"),
        ("STORAGE_EMULATOR_HOST", "127.0.0.1:4443", s => s.GcsEndpoint, "127.0.0.1:4443"),
        ("SANDBOX_METADATA_MOUNT_PATH", "/mnt/metadata", s => Same(s, Bind()), true),
        ("SANDBOX_METADATA_BUCKET", "metadata", s => Same(s, Bind()), true),
        ("SANDBOX_NETWORK_SUBNET", "172.30.0.0/20", s => s.Network.Subnet.ToString(), "172.30.0.0/20"),
        ("SANDBOX_NETWORK_ALLOW_PRIVATE", "10.1.0.0/16,192.168.7.7", s => string.Join(",", s.Network.AllowPrivate), "10.1.0.0/16,192.168.7.7/32"),
        ("SANDBOX_NETWORK_DNS", "198.51.100.53:5353", s => string.Join(",", s.Network.Upstreams), "198.51.100.53:5353"),
        ("SANDBOX_ENDED_RETENTION_HOURS", "48", s => s.Sandboxes.EndedRetention, TimeSpan.FromHours(48)),
        ("SANDBOX_PROCESS_OUTPUT_KEEP_BYTES", "1048576", s => s.Sandboxes.ProcessOutputKeepBytes, 1048576L),
        ("SANDBOX_API_KEY_MAX_SANDBOXES", "10", s => s.Gateway.KeyQuotas.MaxSandboxes, 10),
        ("SANDBOX_API_KEY_CREATES_PER_MINUTE", "30", s => s.Gateway.KeyQuotas.CreatesPerMinute, 30),
        ("SANDBOX_EXEC_TIMEOUT_SECONDS", "90", s => s.Sandboxes.ExecutionTimeLimit, TimeSpan.FromSeconds(90)),
        ("SANDBOX_EXEC_MAX_OUTPUT_BYTES", "1000000", s => s.Sandboxes.ExecutionOutputLimitBytes, 1_000_000L),
        ("SANDBOX_HOST_MAX_SANDBOXES", "100000", s => s.Sandboxes.MaxSandboxes, 100_000),
        ("SANDBOX_HOST_MAX_SANDBOXES", "Auto", s => s.Sandboxes.MaxSandboxes, null),
        ("SANDBOX_HOST_MAX_CONCURRENT_CREATES", "2", s => s.Sandboxes.MaxConcurrentStarts, 2),
        ("SANDBOX_CLUSTER_MAX_SANDBOXES", "500", s => s.Gateway.ClusterLimits, new ClusterLimits(500, 0)),
        ("SANDBOX_CLUSTER_MAX_CONCURRENT_CREATES", "20", s => s.Gateway.ClusterLimits, new ClusterLimits(0, 20)),
        ("SANDBOX_CREATE_QUEUE_SECONDS", "0", s => s.Gateway.CreateBusyWait, TimeSpan.Zero),
        ("SANDBOX_MEMORY_LIMIT_MB", "512", s => s.Runsc.Limits.MemoryMb, 512),
        ("SANDBOX_CPU_LIMIT", "0.5", s => s.Runsc.Limits.CpuCores, 0.5),
        ("SANDBOX_PIDS_LIMIT", "0", s => s.Runsc.Limits.Pids, 0),
        ("SANDBOX_DISK_LIMIT_MB", "200", s => s.Runsc.Limits.DiskMb, 200),
        ("SANDBOX_WARM_POOL_SIZE", "0", s => s.WarmPoolSize, 0),
        ("SANDBOX_WARM_POOL_MAX", "16", s => s.WarmPoolMax, 16),
        ("SANDBOX_ROLES", " sandbox-host ", s => string.Join(",", s.Roles), "sandbox-host"),
        ("SANDBOX_ROLES", "gateway,Gateway", s => string.Join(",", s.Roles), "gateway"),
        ("SANDBOX_AKKA_HOCON", "akka.loglevel = DEBUG", s => s.ExtraHocon, "akka.loglevel = DEBUG"),
        ("SANDBOX_AKKA_HOST", "localhost", s => (s.AkkaHost, s.Tls.Enabled), ("localhost", false)),
        ("SANDBOX_AKKA_PORT", "4053", s => s.AkkaPort, 4053),
        ("SANDBOX_SEED_NODES", "akka.tcp://sandbox@host-0:4053, akka.tcp://sandbox@127.0.0.1:4054", s => string.Join(" ", s.SeedNodes),
            "akka.tcp://sandbox@host-0:4053 akka.tcp://sandbox@127.0.0.1:4054"),
        ("SANDBOX_TLS", "false", s => s.Tls.Enabled, false),
        // the TLS files themselves: RemotingTlsConfigSpec
        ("SANDBOX_TLS_CERT", "", s => s.Tls.CertificatePath, null),
        ("SANDBOX_TLS_KEY", "", s => s.Tls.KeyPath, null),
        ("SANDBOX_TLS_PASSWORD", "", s => s.Tls.Password, null),
        ("SANDBOX_TLS_CA", "", s => s.Tls.AuthorityPath, null),
        ("SANDBOX_PERSISTENCE", "postgresql", s => s.Persistence, PersistenceProvider.Postgres),
        ("SANDBOX_DB_CONNECTION", "Host=db;Username=u;Database=d", s => s.EffectiveConnectionString, "Host=db;Username=u;Database=d"),
        ("SANDBOX_ADMIN_HOST", "::1", s => s.AdminHost, "::1"),
        ("SANDBOX_ADMIN_PORT", "0", s => s.AdminPort, 0),
        ("SANDBOX_ADMIN_TOKEN", " t0ken ", s => s.AdminToken, "t0ken"),
    ];

    [Fact]
    public void A_value_each_variable_accepts_lands_in_its_option()
    {
        var keyFile = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(keyFile, ["# keys of the binding spec", "from-the-file"]);
            var goodValues = GoodValues(keyFile);
            foreach (var (name, value, option, expected) in goodValues)
            {
                // postgres and its connection string go together
                var s = name switch
                {
                    "SANDBOX_DB_CONNECTION" => Bind((name, value), ("SANDBOX_PERSISTENCE", "postgres")),
                    "SANDBOX_PERSISTENCE" => Bind((name, value), ("SANDBOX_DB_CONNECTION", "Host=db")),
                    _ => Bind((name, value)),
                };
                Assert.True(Equals(expected, option(s)), $"{name}={value}: expected {expected}, bound {option(s)}");
            }
            Assert.Empty(NodeEnvironment.Variables.Select(v => v.Name).Except(goodValues.Select(g => g.Name)));
        }
        finally { File.Delete(keyFile); }
    }

    [Fact]
    public void The_right_spelling_of_packet_logging_wins_over_the_old_one()
    {
        Assert.False(Bind(("GVISOR_LOG_PACEKTS", "true"), ("GVISOR_LOG_PACKETS", "false")).Runsc.LogPackets);
        Assert.True(Bind(("GVISOR_LOG_PACEKTS", "false"), ("GVISOR_LOG_PACKETS", "true")).Runsc.LogPackets);
    }

    [Fact]
    public void A_key_file_without_a_key_is_refused_rather_than_leaving_the_routes_open()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, ["# nothing yet", ""]);
            var problem = Assert.Single(Problems(("SANDBOX_API_KEYS_FILE", file)));
            Assert.Equal("SANDBOX_API_KEYS_FILE", problem.Variable);
            Assert.Contains("holds no key", problem.Message);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Postgres_without_a_connection_string_is_refused()
    {
        var problem = Assert.Single(Problems(("SANDBOX_PERSISTENCE", "postgres")));
        Assert.Equal("SANDBOX_DB_CONNECTION", problem.Variable);
        Assert.Null(problem.Value);
        Assert.Contains("SANDBOX_PERSISTENCE=postgres", problem.Message);
    }

    [Fact]
    public void A_warm_pool_maximum_below_its_size_is_refused_naming_both()
    {
        var problem = Assert.Single(Problems(("SANDBOX_WARM_POOL_SIZE", "4"), ("SANDBOX_WARM_POOL_MAX", "2")));
        Assert.Equal(("SANDBOX_WARM_POOL_MAX", "2"), (problem.Variable, problem.Value));
        Assert.Contains("SANDBOX_WARM_POOL_SIZE (4)", problem.Message);
        Assert.Equal(4, Bind(("SANDBOX_WARM_POOL_SIZE", "4"), ("SANDBOX_WARM_POOL_MAX", "4")).WarmPoolMax);
    }

    [Fact]
    public void An_admin_API_beyond_loopback_needs_a_token()
    {
        var problem = Assert.Single(Problems(("SANDBOX_ADMIN_HOST", "0.0.0.0")));
        Assert.Equal(("SANDBOX_ADMIN_HOST", "0.0.0.0"), (problem.Variable, problem.Value));
        Assert.Contains("SANDBOX_ADMIN_TOKEN", problem.Message);
        Assert.Equal("0.0.0.0", Bind(("SANDBOX_ADMIN_HOST", "0.0.0.0"), ("SANDBOX_ADMIN_TOKEN", "secret-token")).AdminHost);
        Assert.Equal(0, Bind(("SANDBOX_ADMIN_HOST", "0.0.0.0"), ("SANDBOX_ADMIN_PORT", "0")).AdminPort);
    }

    [Fact]
    public void No_product_code_reads_the_environment_outside_the_declarations()
    {
        var repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../.."));
        var readers = new[] { "Sandbox.Actors", "Sandbox.Gateway", "Sandbox.Host" }
            .SelectMany(p => Directory.EnumerateFiles(Path.Combine(repo, p), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/"))
            .Where(f => File.ReadAllText(f).Contains("GetEnvironmentVariable", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(repo, f));
        Assert.Equal(["Sandbox.Host/Configuration/SandboxHostSettings.cs"], readers);
    }

    private static bool Same(SandboxHostSettings a, SandboxHostSettings b) =>
        a with { Roles = [], SeedNodes = [] } == b with { Roles = [], SeedNodes = [] } && a.Roles.SequenceEqual(b.Roles) && a.SeedNodes.SequenceEqual(b.SeedNodes);
}
