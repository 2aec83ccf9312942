using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Sandbox.Actors.Runsc;
using Sandbox.Host;
using Sandbox.Host.Configuration;

namespace Sandbox.Tests.Support;

/// <summary>
/// A real node (both roles, SQLite journal, real runsc) listening on a free loopback port, with its
/// own data, bundle and runsc-state directories so that a test class can check that nothing leaked.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    public string Dir { get; }
    /// <summary>A node of its own, or (with <paramref name="sharedDir"/>) a second node on the same
    /// journal, stores and bundle paths, as another host process of one deployment would be.</summary>
    public ServerFixture() : this(null) { }

    protected ServerFixture(string? sharedDir)
    {
        Dir = sharedDir ?? Path.Combine(Path.GetTempPath(), "sandbox-tests-" + Guid.NewGuid().ToString("N")[..8]);
        _ownsDir = sharedDir is null;
    }

    private readonly bool _ownsDir;
    public SandboxHostSettings Settings { get; private set; } = null!;
    public WebApplication App { get; private set; } = null!;
    public Uri HttpBase { get; private set; } = null!;
    public Uri WsBase { get; private set; } = null!;
    /// <summary>This node's Akka address, to seed another node with.</summary>
    public string ClusterAddress => Akka.Cluster.Cluster.Get(App.Services.GetRequiredService<Akka.Actor.ActorSystem>()).SelfAddress.ToString();

    /// <summary>A second node over the same journal, stores and bundle paths as <paramref name="first"/>.</summary>
    public static ServerFixture SharingStateWith(ServerFixture first) => new(first.Dir);

    protected virtual SandboxHostSettings Customize(SandboxHostSettings s) => s;

    /// <summary>Whether the fixture waits for <c>/healthz/ready</c> (its node Up in its cluster with a sandbox
    /// host) rather than only for <c>/healthz/live</c>: for specs whose first call needs a host agent
    /// (a key quota is counted in the catalog through one), which a node only has once it is Up.</summary>
    protected virtual bool WaitsUntilReady => false;

    /// <summary>Variables of this node's environment beyond the fixture's own (null: the fixture's or unset).</summary>
    protected virtual string? ExtraEnvironment(string name) => null;

    public static string RootfsPath =>
        Environment.GetEnvironmentVariable("SANDBOX_ROOTFS") is { Length: > 0 } r ? r
        : Path.Combine(Environment.GetEnvironmentVariable("SANDBOX_DATA_DIR") ?? "/var/lib/gvisor-sandbox", "rootfs");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Dir);
        var port = LoopbackPorts.Reserve();
        var env = SandboxHostSettings.FromEnvironment(name => ExtraEnvironment(name) ?? name switch
        {
            "PORT" => port.ToString(),
            "SANDBOX_DATA_DIR" => Path.Combine(Dir, "data"),
            "RUNSC_ROOT_DIR_BASE" => Path.Combine(Dir, "state"),
            "RUNSC_BUNDLE_DIR_BASE" => Path.Combine(Dir, "bundles"),
            "SANDBOX_ROOTFS" => RootfsPath,
            "SANDBOX_CHECKPOINT_MOUNT_PATH" => Path.Combine(Dir, "checkpoints"),
            "FILESYSTEM_SNAPSHOT_MOUNT_PATH" => Path.Combine(Dir, "snapshots"),
            // most tests count bundles and containers; the warm pool has its own spec
            "SANDBOX_WARM_POOL_SIZE" => "0",
            // parallel test servers would all want the admin port 9110; a spec that needs it sets one
            "SANDBOX_ADMIN_PORT" => "0",
            "LOG_LEVEL" => Environment.GetEnvironmentVariable("TEST_LOG_LEVEL") ?? "Warn",
            _ => null,
        });
        Directory.CreateDirectory(Path.Combine(Dir, "state"));
        Directory.CreateDirectory(Path.Combine(Dir, "bundles"));
        Settings = Customize(env);
        App = SandboxServer.Build(Settings);
        await App.StartAsync();
        HttpBase = new Uri($"http://127.0.0.1:{Settings.Port}");
        WsBase = new Uri($"ws://127.0.0.1:{Settings.Port}");
        await WaitUntilServing();
    }

    private async Task WaitUntilServing()
    {
        using var http = new HttpClient { BaseAddress = HttpBase };
        var probe = WaitsUntilReady ? "/healthz/ready" : "/healthz/live";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try { if ((await http.GetAsync(probe)).IsSuccessStatusCode) return; }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"server did not answer {probe} within 30 s");
    }

    /// <summary>Containers, overlay mounts and bundle directories this server has left (should be none).</summary>
    public IReadOnlyList<string> Leftovers()
    {
        var left = new List<string>();
        foreach (var d in new[] { "state", "bundles" })
        {
            var dir = Path.Combine(Dir, d);
            if (Directory.Exists(dir)) left.AddRange(Directory.GetDirectories(dir));
        }
        left.AddRange(File.ReadLines("/proc/self/mounts").Where(l => l.Contains(Dir)));
        left.AddRange(new ContainerRegistry(Settings.DataDir).List().Select(id => "registered: " + id));
        return left;
    }

    /// <summary>Stops the node (coordinated shutdown) and checks that it left nothing behind.</summary>
    public async Task StopAsync()
    {
        // a node that never started (its settings were refused) has nothing to stop; its directory still goes
        if (_stopped || App is null) return;
        _stopped = true;
        await App.StopAsync();
        await App.DisposeAsync();
        var left = Leftovers();
        if (left.Count > 0) throw new InvalidOperationException("leaked after shutdown: " + string.Join(", ", left));
    }

    private bool _stopped;

    public virtual async Task DisposeAsync()
    {
        var left = new List<string>();
        try { await StopAsync(); }
        catch (InvalidOperationException e) { left.Add(e.Message); }
        if (_ownsDir)
        {
            try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        if (left.Count > 0) throw new InvalidOperationException(string.Join(", ", left));
    }

}
