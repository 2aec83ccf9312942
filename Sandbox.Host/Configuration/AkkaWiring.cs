using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Placement;
using Sandbox.Core.Placement;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Actors.Serialization;

namespace Sandbox.Host.Configuration;

/// <summary>DI key of the sandbox shard region (or its proxy on gateway-only nodes).</summary>
public sealed class SandboxRegion;

/// <summary>What a node owns outside Akka: its container registry and its storage.</summary>
/// <remarks><paramref name="Capacity"/> is this node's sandbox slots: one instance per node, shared by its sandboxes and its host agent.</remarks>
public sealed record NodeResources(ContainerRegistry Registry, Sandbox.Actors.Storage.IObjectStore? Checkpoints, Sandbox.Actors.Storage.IObjectStore? Snapshots, WarmPool? Pool, HostCapacity Capacity)
{
    /// <summary>The sandbox catalog (shared by every node of a deployment through the journal's database).</summary>
    public Sandbox.Actors.Catalog.ISandboxCatalog? Catalog { get; init; }
    /// <summary>This node's sandbox networks (started with the node); null when networking is off.</summary>
    public Sandbox.Actors.Network.SandboxNetworks? Networks { get; init; }
    /// <summary>How this host's capacity was decided (SANDBOX_HOST_MAX_SANDBOXES or sized from the machine); null off sandbox hosts.</summary>
    public HostCapacityPlan? CapacityPlan { get; init; }
}

/// <summary>The node's Akka wiring as small composable steps (tests reuse them).</summary>
public static class AkkaWiring
{
    public static AkkaConfigurationBuilder ConfigureSandboxNode(this AkkaConfigurationBuilder b, SandboxHostSettings s, NodeResources node)
    {
        foreach (var file in new[] { "akka.hocon", "cluster.hocon", "sharding.hocon", "persistence.hocon" })
        {
            var path = Path.Combine(s.HoconDir, file);
            if (File.Exists(path)) b.AddHoconFile(path, HoconAddMode.Prepend);
        }
        if (s.ExtraHocon is not null) b.AddHocon(Akka.Configuration.ConfigurationFactory.ParseString(s.ExtraHocon), HoconAddMode.Prepend);
        return b
            .ConfigureLoggers(l =>
            {
                l.LogLevel = AkkaLogLevel(s.LogLevel);
                l.ClearLoggers();
                l.AddLoggerFactory();
            })
            .ConfigureRemoting(s)
            .WithClustering(new ClusterOptions
            {
                Roles = s.Roles.ToArray(),
                SeedNodes = s.SeedNodes.ToArray(),
                // The side with the majority of sandbox hosts survives a partition (gateways do not
                // vote); a downed node runs coordinated shutdown, which removes its containers, so
                // two copies of a sandbox never run.
                SplitBrainResolver = new KeepMajorityOption { Role = NodeRoles.SandboxHost },
            })
            .WithCustomSerializer("sandbox", [typeof(ISandboxWireMessage)], system => new SandboxSerializer(system))
            .ConfigurePersistence(s)
            .ConfigureSandboxes(s, node)
            .WithActors((system, _) =>
            {
                system.ActorOf(HostLoadMonitor.PropsFor(NodeRoles.SandboxHost, s.PlacementRefreshInterval), HostLoadMonitor.Name);
                // A single node with no seeds forms its own cluster.
                if (s.SeedNodes.Count == 0)
                {
                    var cluster = Cluster.Get(system);
                    cluster.Join(cluster.SelfAddress);
                }
            });
    }

    /// <summary>Remoting on SANDBOX_AKKA_HOST:SANDBOX_AKKA_PORT; with TLS, DotNetty's mutual TLS where both
    /// ends of every connection present a certificate of the cluster's CA (RemotingTlsMaterial, PeerCertificates).</summary>
    public static AkkaConfigurationBuilder ConfigureRemoting(this AkkaConfigurationBuilder b, SandboxHostSettings s)
    {
        var remote = new RemoteOptions { HostName = s.AkkaHost, Port = s.AkkaPort };
        if (s.Tls.Enabled)
        {
            remote.EnableSsl = true;
            remote.Ssl = RemotingTlsMaterial.Load(s.Tls).ToSslOptions();
        }
        return b.WithRemoting(remote);
    }

    public static AkkaConfigurationBuilder ConfigurePersistence(this AkkaConfigurationBuilder b, SandboxHostSettings s)
    {
        if (s.Persistence == PersistenceProvider.Sqlite) Directory.CreateDirectory(s.DataDir);
        var provider = s.Persistence == PersistenceProvider.Sqlite ? LinqToDB.ProviderName.SQLiteMS : LinqToDB.ProviderName.PostgreSQL15;
        return b.WithSqlPersistence(connectionString: s.EffectiveConnectionString, providerName: provider, autoInitialize: true);
    }

    public static AkkaConfigurationBuilder ConfigureSandboxes(this AkkaConfigurationBuilder b, SandboxHostSettings s, NodeResources node)
    {
        if (s.IsSandboxHost)
        {
            // Started through the sharding API itself rather than Akka.Hosting's WithShardRegion, which
            // has no way to pass an allocation strategy: new shards go to the host with the most room.
            b.WithActors((system, registryOfActors) =>
            {
                var host = HostContext(system, s, node);
                var settings = ClusterShardingSettings.Create(system).WithRole(NodeRoles.SandboxHost).WithRememberEntities(false);
                var region = ClusterSharding.Get(system).Start("sandbox", id => SandboxActor.PropsFor(id, host), settings,
                    new SandboxMessageExtractor(), new CapacityShardAllocationStrategy(), SandboxProtocol.StopSandbox.Instance);
                registryOfActors.Register<SandboxRegion>(region);
            });
            b.WithActors((system, registryOfActors) =>
            {
                system.ActorOf(HostAgent.PropsFor(HostContext(system, s, node), registryOfActors.Get<SandboxRegion>()), HostAgent.Name);
                if (node.Catalog is { } catalog)
                    system.ActorOf(Sandbox.Actors.Catalog.CatalogSweeper.PropsFor(catalog, registryOfActors.Get<SandboxRegion>(),
                        s.Sandboxes.CatalogSweepInterval, s.Sandboxes.EndedRetention), Sandbox.Actors.Catalog.CatalogSweeper.Name);
                // sandboxes by state on this node, for /metrics, until the node stops
                var tracked = Sandbox.Actors.Telemetry.SandboxMetrics.TrackHost(Cluster.Get(system).SelfAddress.ToString(), node.Capacity);
                system.WhenTerminated.ContinueWith(_ => tracked.Dispose());
                var runsc = new RunscCli(s.Runsc);
                // A node on its way out takes no new sandboxes; gateways place them on the others.
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "stop-admitting-sandboxes",
                    () =>
                    {
                        node.Capacity.StartDraining();
                        return Task.FromResult(Akka.Done.Instance);
                    });
                // Last line of defence: whatever the sandboxes did not remove on the way out goes now.
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "remove-leftover-sandboxes",
                    async () =>
                    {
                        if (node.Pool is not null) await node.Pool.DisposeAsync();
                        await node.Registry.DestroyAllAsync(runsc);
                        // after the containers: their namespaces, veths, addresses and rules, and the node's table
                        if (node.Networks is not null) await node.Networks.DisposeAsync();
                        return Akka.Done.Instance;
                    });
            });
        }
        else
        {
            b.WithShardRegionProxy<SandboxRegion>("sandbox", NodeRoles.SandboxHost, new SandboxMessageExtractor());
        }
        return b;
    }

    private static SandboxHostContext HostContext(ActorSystem system, SandboxHostSettings s, NodeResources node) =>
        new(new RunscCli(s.Runsc), s.Sandboxes, Cluster.Get(system).SelfAddress.ToString(), node.Registry)
        {
            Checkpoints = node.Checkpoints,
            Snapshots = node.Snapshots,
            Pool = node.Pool,
            Capacity = node.Capacity,
            Catalog = node.Catalog,
            Networks = node.Networks,
        };

    private static Akka.Event.LogLevel AkkaLogLevel(string level) => level.ToUpperInvariant() switch
    {
        "TRACE" or "DEBUG" => Akka.Event.LogLevel.DebugLevel,
        "WARN" or "WARNING" => Akka.Event.LogLevel.WarningLevel,
        "ERROR" or "CRITICAL" or "FATAL" => Akka.Event.LogLevel.ErrorLevel,
        _ => Akka.Event.LogLevel.InfoLevel,
    };
}
