using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Sandbox.Actors.Network;
using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;

namespace Sandbox.Tests.Network;

/// <summary>
/// The network module's node under test without sandbox actors (SandboxEgressSpec runs a whole server): a separate process
/// (runsc is its child) started inside the test's node namespace, driving real sandboxes through
/// <see cref="SandboxNetworks"/>, <see cref="RunscCli"/> and <see cref="SandboxContainer"/>. It reads one
/// JSON request per line on stdin and answers one JSON line (with the request's id) on stdout;
/// requests run concurrently.
/// </summary>
public sealed class NetworkNodeDriver
{
    public const string Verb = "network-node-driver";

    private readonly SandboxNetworks _networks;
    private readonly RunscCli _cli;
    private readonly ActorSystem _system;
    private readonly ConcurrentDictionary<string, DriverSandbox> _sandboxes = new();
    private readonly ConcurrentDictionary<string, NetworkLease> _bare = new();
    private readonly SemaphoreSlim _stdout = new(1, 1);
    private readonly string _imageBase;

    private readonly ContainerRegistry _registry;

    private NetworkNodeDriver(SandboxNetworks networks, RunscCli cli, ActorSystem system, string imageBase, ContainerRegistry registry)
    {
        _registry = registry;
        _networks = networks;
        _cli = cli;
        _system = system;
        _imageBase = imageBase;
    }

    public static async Task<int> RunAsync()
    {
        var options = Sandbox.Host.Configuration.SandboxHostSettings.FromEnvironment().Network with
        {
            MaxConnectionsPerSandbox = int.Parse(Environment.GetEnvironmentVariable("TEST_NETWORK_MAX_CONNECTIONS") ?? "32"),
            NewConnectionsPerSecond = int.Parse(Environment.GetEnvironmentVariable("TEST_NETWORK_NEW_CONNECTIONS_PER_SECOND") ?? "50"),
            DnsQueriesPerSecond = int.Parse(Environment.GetEnvironmentVariable("TEST_NETWORK_DNS_PER_SECOND") ?? "20"),
        };
        var prepared = int.Parse(Environment.GetEnvironmentVariable("TEST_NETWORK_PREPARED_SLOTS") ?? "2");
        var networks = new SandboxNetworks(options, line => Console.Error.WriteLine(line), prepared);
        await networks.StartAsync();
        var dataDir = Environment.GetEnvironmentVariable("SANDBOX_DATA_DIR")!;
        var cli = new RunscCli(Sandbox.Host.Configuration.SandboxHostSettings.FromEnvironment().Runsc with { Networks = networks.Attachments });
        // like a node: containers a crashed predecessor left are removed first (their networks were swept by StartAsync)
        var registry = new ContainerRegistry(dataDir);
        var leftovers = await registry.DestroyAllAsync(cli);
        if (leftovers > 0) Console.Error.WriteLine($"removed {leftovers} container(s) left by an earlier run");
        var system = ActorSystem.Create("network-driver", "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
        var driver = new NetworkNodeDriver(networks, cli, system, Path.Combine(dataDir, "images"), registry);
        await driver.WriteAsync(new JsonObject { ["id"] = "ready", ["ok"] = true, ["table"] = networks.TableName,
            ["namespace_prefix"] = networks.NamespacePrefix, ["interface_prefix"] = networks.InterfacePrefix, ["gateway"] = options.Gateway.ToString() });
        var running = new List<Task>();
        string? line;
        while ((line = await Console.In.ReadLineAsync()) is not null)
        {
            var request = JsonNode.Parse(line)!.AsObject();
            if ((string?)request["op"] == "shutdown")
            {
                await Task.WhenAll(running);
                await driver.ShutdownAsync();
                await driver.WriteAsync(new JsonObject { ["id"] = (string?)request["id"], ["ok"] = true });
                return 0;
            }
            running.Add(Task.Run(() => driver.HandleAsync(request)));
            running.RemoveAll(t => t.IsCompleted);
        }
        await driver.ShutdownAsync();
        return 0;
    }

    private async Task HandleAsync(JsonObject request)
    {
        var reply = new JsonObject { ["id"] = (string?)request["id"] };
        try
        {
            await DispatchAsync(request, reply);
            reply["ok"] = true;
        }
        catch (Exception e)
        {
            reply["ok"] = false;
            reply["error_type"] = e.GetType().Name;
            reply["error"] = e.Message;
            if (e is NetworkPolicyException p) { reply["entry"] = p.Entry; reply["policy_error"] = p.Error.ToString(); }
        }
        await WriteAsync(reply);
    }

    private async Task DispatchAsync(JsonObject r, JsonObject reply)
    {
        var key = (string?)r["key"] ?? "";
        switch ((string?)r["op"])
        {
            case "start":
            {
                var watch = Stopwatch.StartNew();
                var lease = await _networks.AttachAsync(key, PolicyOf(r), CancellationToken.None);
                var attached = watch.Elapsed;
                var container = await StartOrDetachAsync(lease, () => SandboxContainer.StartAsync(_cli, key, TimeSpan.FromSeconds(60), CancellationToken.None));
                reply["address"] = lease.Address.ToString();
                reply["attach_ms"] = attached.TotalMilliseconds;
                reply["start_ms"] = watch.Elapsed.TotalMilliseconds;
                Track(key, container, lease);
                break;
            }
            case "start_unnetworked":
            {
                var watch = Stopwatch.StartNew();
                var container = await SandboxContainer.StartAsync(_cli, key, TimeSpan.FromSeconds(60), CancellationToken.None);
                reply["start_ms"] = watch.Elapsed.TotalMilliseconds;
                Track(key, container, null);
                break;
            }
            case "exec":
            {
                var s = _sandboxes[key];
                var (exit, stdout, stderr) = await s.ExecAsync((string)r["code"]!, TimeSpan.FromSeconds((double?)r["timeout"] ?? 60));
                reply["exit"] = exit;
                reply["stdout"] = stdout;
                reply["stderr"] = stderr;
                break;
            }
            case "apply":
            {
                var s = _sandboxes[key];
                var watch = Stopwatch.StartNew();
                await _networks.ApplyAsync(s.Lease!, PolicyOf(r), CancellationToken.None);
                reply["apply_ms"] = watch.Elapsed.TotalMilliseconds;
                break;
            }
            case "usage":
            {
                var u = _networks.UsageOf(_sandboxes[key].Lease!);
                reply["bytes_sent"] = u.BytesSent;
                reply["bytes_received"] = u.BytesReceived;
                break;
            }
            case "checkpoint":
            {
                var s = _sandboxes[key];
                await s.QuiesceAsync();
                var image = Path.Combine(_imageBase, key);
                OciBundle.TryDelete(image);
                var result = await s.Container.CheckpointAsync(image, CancellationToken.None);
                if (!result.Ok) throw new RunscException($"checkpoint failed: {result.Reason}");
                _sandboxes.TryRemove(key, out _);
                _registry.Remove(key);
                if (s.Lease is not null) await _networks.ReleaseAsync(s.Lease);
                break;
            }
            case "restore":
            {
                // the same container key and bundle path, a new lease (new namespace, new address)
                var from = (string?)r["from"] ?? key;
                var lease = await _networks.AttachAsync(key, PolicyOf(r), CancellationToken.None);
                var bundle = new OciBundle(_cli.Options, key);
                if (from != key)
                {
                    // a fork: its own bundle and writable layer, a copy of the source's, the source's image
                    bundle.PrepareWritableLayer();
                    await CopyTreeAsync(new OciBundle(_cli.Options, from).UpperDir, bundle.UpperDir);
                }
                var container = await StartOrDetachAsync(lease, () => SandboxContainer.RestoreAsync(_cli, bundle, Path.Combine(_imageBase, from), TimeSpan.FromSeconds(60), CancellationToken.None));
                reply["address"] = lease.Address.ToString();
                Track(key, container, lease);
                break;
            }
            case "stop":
            {
                if (_sandboxes.TryRemove(key, out var s)) await s.DestroyAsync(_networks);
                else if ((bool?)r["discard_bundle"] == true) new OciBundle(_cli.Options, key).Destroy();
                _registry.Remove(key);
                break;
            }
            case "attach_only":
            {
                // a lease without a container: its namespace still has the address and routes runsc
                // would take over, so host tools can measure the NAT path
                var watch = Stopwatch.StartNew();
                var lease = await _networks.AttachAsync(key, PolicyOf(r), CancellationToken.None);
                reply["attach_ms"] = watch.Elapsed.TotalMilliseconds;
                reply["namespace"] = Path.GetFileName(lease.NamespacePath);
                reply["address"] = lease.Address.ToString();
                _bare[key] = lease;
                break;
            }
            case "release":
                if (_bare.TryRemove(key, out var bare)) await _networks.ReleaseAsync(bare);
                break;
            case "leases":
                reply["leases"] = new JsonArray(_networks.Leases.Select(l => (JsonNode)new JsonObject
                    { ["key"] = l.ContainerKey, ["address"] = l.Address.ToString(), ["namespace"] = l.NamespacePath }).ToArray());
                reply["dns_rate_limited"] = _networks.DnsQueriesRateLimited;
                break;
            case "parse":
                PolicyOf(r);
                break;
            default:
                throw new ArgumentException($"unknown op {(string?)r["op"]}");
        }
    }

    private async Task<SandboxContainer> StartOrDetachAsync(NetworkLease lease, Func<Task<SandboxContainer>> start)
    {
        try { return await start(); }
        catch
        {
            await _networks.ReleaseAsync(lease);
            throw;
        }
    }

    private void Track(string key, SandboxContainer container, NetworkLease? lease)
    {
        _registry.Add(key);
        var s = new DriverSandbox(container, lease);
        _sandboxes[key] = s;
    }

    private static NetworkPolicy PolicyOf(JsonObject r)
    {
        var p = r["policy"]?.AsObject() ?? throw new ArgumentException("policy missing");
        return NetworkPolicy.Parse((string?)p["egress"],
            p["allow"]?.AsArray().Select(n => (string?)n), p["deny"]?.AsArray().Select(n => (string?)n));
    }

    private static async Task CopyTreeAsync(string from, string to)
    {
        // cp -a keeps overlayfs whiteouts (character devices) and opaque-directory xattrs
        using var p = Process.Start(new ProcessStartInfo("cp", ["-a", from + "/.", to]) { RedirectStandardError = true })!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new IOException($"copying the writable layer failed: {err}");
    }

    private async Task ShutdownAsync()
    {
        await Task.WhenAll(_sandboxes.Values.Select(s => s.DestroyAsync(_networks)));
        foreach (var key in _sandboxes.Keys) _registry.Remove(key);
        _sandboxes.Clear();
        await _networks.DisposeAsync();
        await _system.Terminate();
    }

    private async Task WriteAsync(JsonObject reply)
    {
        await _stdout.WaitAsync();
        try
        {
            await Console.Out.WriteLineAsync(reply.ToJsonString());
            await Console.Out.FlushAsync();
        }
        finally { _stdout.Release(); }
    }

    /// <summary>One sandbox of the driver: its container and lease.</summary>
    private sealed class DriverSandbox(SandboxContainer container, NetworkLease? lease)
    {
        public SandboxContainer Container { get; } = container;
        public NetworkLease? Lease { get; } = lease;

        /// <summary>Runs Python to its end in a kept-output process and reads its whole log.</summary>
        public async Task<(int, string, string)> ExecAsync(string code, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            var runner = Container.Runner;
            StartedProcess started;
            try
            {
                started = await runner.StartProcessAsync(new ProcessRequest { Language = "python", Code = code, CloseStdin = true }, cts.Token);
            }
            catch (RunnerProcessException e)
            {
                return (-1000, "", e.Message);
            }
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            try
            {
                await foreach (var r in runner.ReadOutputAsync(started.ProcessId, 0, follow: true, cts.Token))
                {
                    switch (r)
                    {
                        case OutputChunk c: (c.Stream == OutputStream.Stderr ? stderr : stdout).Append(Encoding.UTF8.GetString(c.Bytes)); break;
                        case OutputExit x: return (x.Status.ExitCode ?? -1, stdout.ToString(), stderr.ToString());
                    }
                }
            }
            catch (OperationCanceledException)
            {
                _ = runner.SignalAsync(started.ProcessId, RunnerSignal.Kill);
                throw new TimeoutException($"execution did not finish within {timeout.TotalSeconds} s; stdout so far: {stdout}");
            }
            throw new InvalidOperationException($"the runner ended the output before the exit; stdout so far: {stdout}");
        }

        public Task QuiesceAsync() => Container.Runner.SyncAsync(quiesce: true);

        public async Task DestroyAsync(SandboxNetworks networks)
        {
            await Container.DestroyAsync();
            if (Lease is not null) await networks.ReleaseAsync(Lease);
        }

        private sealed class Execution
        {
            public readonly StringBuilder Stdout = new();
            public readonly StringBuilder Stderr = new();
            public readonly TaskCompletionSource<int> Exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
