using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using NLog;
using NLog.Extensions.Logging;
using NLog.Web;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Gateway;
using Sandbox.Host.Configuration;
using Sandbox.Host.Health;

namespace Sandbox.Host;

/// <summary>Builds one node: Kestrel (gateway endpoints) plus the Akka node with its roles.</summary>
public static class SandboxServer
{
    public static WebApplication Build(SandboxHostSettings s, Action<WebApplicationBuilder>? customize = null)
    {
        // settings built in code get the same checks as those read from the environment
        NodeConfigurationRules.Enforce(s);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls($"http://{(s.Host.Contains(':') ? $"[{s.Host}]" : s.Host)}:{s.Port}");
        builder.WebHost.ConfigureKestrel(k => GatewayHttpLimits.Apply(k.Limits, s.Gateway));
        builder.Logging.ClearProviders();
        var nlogConfig = Path.Combine(AppContext.BaseDirectory, "nlog.config");
        if (File.Exists(nlogConfig))
        {
            NLog.LogManager.Setup().SetupExtensions(e => e.RegisterLayoutRenderer<Sandbox.Host.Logging.SandboxIdLayoutRenderer>("sandbox-id"));
            NLog.LogManager.Configuration = new NLog.Config.XmlLoggingConfiguration(nlogConfig);
            NLog.LogManager.Configuration!.Variables["minLevel"] = NLogLevel(s.LogLevel);
            if (s.LogJson)
            {
                var json = NLog.LogManager.Configuration.FindTargetByName("json");
                foreach (var rule in NLog.LogManager.Configuration.LoggingRules.Where(r => r.Targets.Any(t => t.Name == "text")))
                {
                    rule.Targets.Clear();
                    rule.Targets.Add(json);
                }
            }
            // the last lines in memory for `sandboxctl logs` (same level as the console) and `sandboxctl audit`
            Sandbox.Host.Logging.LogRings.Install(NLog.LogManager.Configuration, NLog.LogLevel.FromString(NLogLevel(s.LogLevel)));
            NLog.LogManager.ReconfigExistingLoggers();
        }
        builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace);
        builder.Host.UseNLog();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(150));

        Directory.CreateDirectory(s.DataDir);
        var registry = new ContainerRegistry(s.DataDir);
        if (s.IsSandboxHost)
        {
            // a previous run that crashed may have left containers: they belong to nobody now
            registry.DestroyAllAsync(new RunscCli(s.Runsc)).GetAwaiter().GetResult();
        }
        HostCapacityPlan? capacity = null;
        if (s.IsSandboxHost)
        {
            // auto (unset) becomes a number here, once, so every part of the node sees the same capacity
            capacity = HostSizing.Plan(HostResourceProbe.Read(s.DataDir), s.Runsc.Limits, s.Sandboxes.MaxSandboxes);
            s = s with { Sandboxes = s.Sandboxes with { MaxSandboxes = capacity.Sandboxes } };
            new NLogLoggerFactory().CreateLogger(typeof(HostSizing).FullName!).LogInformation(
                "This host takes {MaxSandboxes} sandboxes, bound by {CapacityBound}: {CapacityExplanation}",
                capacity.Sandboxes, HostSizing.Describe(capacity.BoundBy), capacity.Explanation);
        }
        var (checkpoints, snapshots) = StorageWiring.Stores(s);
        var networks = NetworkWiring.Start(s);
        if (networks is not null) s = s with { Runsc = s.Runsc with { Networks = networks.Attachments } };
        var hostCapacity = new HostCapacity(s.Sandboxes.MaxSandboxes ?? SandboxHostOptions.UnsizedMaxSandboxes, s.Sandboxes.MaxConcurrentStarts);
        WarmPool? pool = null;
        if (s.IsSandboxHost && s.WarmPoolSize > 0)
        {
            var log = new NLogLoggerFactory().CreateLogger<WarmPool>();
            var sizing = new WarmPoolSizing(s.WarmPoolSize, s.WarmPoolMax ?? WarmPoolSizing.DefaultMaxFor(s.WarmPoolSize));
            pool = new WarmPool(new RunscCli(s.Runsc), registry, sizing, () => hostCapacity.MaxSandboxes - hostCapacity.Occupied,
                s.Sandboxes.StartTimeout, log, networks);
        }
        Sandbox.Actors.Catalog.ISandboxCatalog? catalog = null;
        if (s.IsSandboxHost)
        {
            var sql = Sandbox.Host.Catalog.CatalogStorage.For(s);
            sql.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
            catalog = sql;
        }
        var node = new NodeResources(registry, checkpoints, snapshots, pool, hostCapacity)
        { Catalog = catalog, Networks = networks, CapacityPlan = capacity };
        if (networks is not null) builder.Services.AddSingleton(networks);
        if (pool is not null) builder.Services.AddSingleton(pool);
        var gatewayOptions = s.Gateway with
        {
            CheckpointStorageEnabled = checkpoints is not null, SnapshotStorageEnabled = snapshots is not null, NetworkingEnabled = s.Network.Enabled,
        };
        builder.Services.AddAkka("sandbox", (b, _) => b.ConfigureSandboxNode(s, node));
        builder.Services.AddSingleton(sp =>
        {
            var system = sp.GetRequiredService<ActorSystem>();
            var region = sp.GetRequiredService<IRequiredActor<SandboxRegion>>().ActorRef;
            var audit = new Sandbox.Gateway.Audit.AuditLog(sp.GetRequiredService<ILoggerFactory>().CreateLogger(Sandbox.Gateway.Audit.AuditLog.LoggerName),
                Akka.Cluster.Cluster.Get(system).SelfAddress.ToString(), Path.Combine(s.DataDir, "audit.jsonl"));
            return new SandboxGateway(system, region, gatewayOptions, audit);
        });
        builder.Services.AddSingleton<Sandbox.Gateway.Api.ISandboxApi>(sp => new Sandbox.Gateway.Api.SandboxApi(sp.GetRequiredService<SandboxGateway>()));
        if (s.IsGateway) builder.Services.AddSandboxGatewayEndpoints();
        Sandbox.Host.Admin.AdminServer.Register(builder, s, node);
        customize?.Invoke(builder);

        var app = builder.Build();
        // Kestrel stops first and would wait for open WebSockets to drain. Run the node's coordinated
        // shutdown before that instead: sandboxes are checkpointed or deleted, their clients told and
        // their sockets closed, so the web server then finds nothing left to wait for.
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            var system = app.Services.GetRequiredService<ActorSystem>();
            CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance).Wait(TimeSpan.FromMinutes(3));
        });
        if (pool is not null) app.Lifetime.ApplicationStarted.Register(pool.Start);
        app.UseWebSockets();
        app.MapHealth(s);
        if (s.IsGateway) app.MapSandboxGateway();
        return app;
    }

    private static string NLogLevel(string level) => level.ToUpperInvariant() switch
    {
        "TRACE" => "Trace",
        "DEBUG" => "Debug",
        "WARN" or "WARNING" => "Warn",
        "ERROR" => "Error",
        "CRITICAL" or "FATAL" => "Fatal",
        _ => "Info",
    };
}
