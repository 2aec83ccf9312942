using System.Diagnostics;
using System.Text.Json.Nodes;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Network;

/// <summary>
/// A node under test inside a namespace of its own whose only link leads to a fake internet made by
/// the test (another namespace): HTTP servers on documentation addresses (198.51.100.0/24,
/// 203.0.113.0/24) and on private, CGNAT and link-local addresses that policies must never reach
/// (all inside that namespace), and dnsmasq as the upstream resolver. No packet can leave for the
/// machine's real networks: neither namespace has a route there. Everything is removed at the end
/// and checked for leaks (namespaces, interfaces, nftables tables, processes).
/// </summary>
public class NetworkTestbed : IAsyncLifetime
{
    public const string NodeAddress = "203.0.113.1";
    public const string InternetLinkAddress = "203.0.113.254";
    public const string Resolver = "198.51.100.53";
    public const string Allowed = "198.51.100.10";     // allowed.test
    public const string Other = "198.51.100.11";       // other.test
    public const string Apex = "198.51.100.12";        // wild.test
    public const string Wild = "203.0.113.10";         // a.wild.test, b.c.wild.test
    public const string Private = "10.99.0.10";        // private.test (RFC 1918)
    public const string Cgnat = "100.64.7.7";
    public const string LinkLocal = "169.254.7.7";
    public const int NodePort = 8080;                  // a server of the node itself
    public const string SecondNodeAddress = "192.0.2.1";            // a second host (MoveNodeToSecondHostAsync)
    public const string SecondInternetLinkAddress = "192.0.2.254";
    public const int MaxConnections = 32;              // per sandbox, low so that a flood is quick

    private readonly string _tag = "sbt" + Guid.NewGuid().ToString("N")[..6];
    private readonly List<Process> _processes = [];
    public string Dir { get; }
    public string InternetNs => _tag + "-inet";
    /// <summary>The namespace of the node under test: the first host's until <see cref="MoveNodeToSecondHostAsync"/>.</summary>
    public string NodeNs { get; private set; }
    private readonly List<string> _nodeNamespaces = [];
    public NetworkDriverClient Driver { get; private set; } = null!;
    public string Table => (string)Driver.Hello["table"]!;
    public string NamespacePrefix => (string)Driver.Hello["namespace_prefix"]!;
    public string InterfacePrefix => (string)Driver.Hello["interface_prefix"]!;
    public string Gateway => (string)Driver.Hello["gateway"]!;

    /// <summary>Slots the node keeps ready. None by default, so that after each test nothing of a
    /// sandbox network may be left.</summary>
    protected virtual int PreparedSlots => 0;

    /// <summary>The node process under test: <see cref="NetworkNodeDriver"/> unless a testbed runs a whole server.</summary>
    protected virtual string NodeVerb => NetworkNodeDriver.Verb;

    /// <summary>Variables the node under test gets beyond the testbed's own.</summary>
    protected virtual IReadOnlyDictionary<string, string> NodeEnvironment => new Dictionary<string, string>();

    /// <summary>What of a sandbox network is left just before the node stops (none by default; a node
    /// with a warm pool keeps its pool containers' networks).</summary>
    protected virtual Task<IReadOnlyList<string>> LeftoversBeforeShutdownAsync() => SandboxLeftoversAsync();

    /// <summary>Starts a long-running process in one of the testbed's namespaces; stopped at the end.</summary>
    public async Task<System.Diagnostics.Process> StartInAsync(string ns, string? readyLine, params string[] command)
    {
        var p = await NetnsCommand.StartAsync(ns, readyLine, command);
        lock (_processes) _processes.Add(p);
        return p;
    }

    public NetworkTestbed()
    {
        Dir = Path.Combine(Path.GetTempPath(), "sandbox-net-" + _tag);
        NodeNs = _tag + "-node";
        _nodeNamespaces.Add(NodeNs);
    }

    public virtual async Task InitializeAsync()
    {
        Directory.CreateDirectory(Dir);
        await NetnsCommand.RunAsync(null, "ip", "netns", "add", InternetNs);
        await NetnsCommand.RunAsync(null, "ip", "netns", "add", NodeNs);
        await NetnsCommand.BatchAsync(InternetNs, $"""
            link set lo up
            link add up0 type veth peer name up0 netns {NodeNs}
            addr add {InternetLinkAddress}/24 dev up0
            link set up0 up
            addr add {Allowed}/32 dev lo
            addr add {Other}/32 dev lo
            addr add {Apex}/32 dev lo
            addr add {Resolver}/32 dev lo
            addr add {Wild}/32 dev lo
            addr add {Private}/32 dev lo
            addr add {Cgnat}/32 dev lo
            addr add {LinkLocal}/32 dev lo
            """ + "\n");
        await NetnsCommand.BatchAsync(NodeNs, $"""
            link set lo up
            addr add {NodeAddress}/24 dev up0
            link set up0 up
            route add default via {InternetLinkAddress}
            """ + "\n");
        var server = Path.Combine(AppContext.BaseDirectory, "Network", "fake_internet.py");
        _processes.Add(await NetnsCommand.StartAsync(InternetNs, "ready", "/usr/bin/python3", server, "80"));
        _processes.Add(await NetnsCommand.StartAsync(NodeNs, "ready", "/usr/bin/python3", server, NodePort.ToString()));
        _processes.Add(await NetnsCommand.StartAsync(InternetNs, null, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
            "--no-resolv", "--no-hosts", "--no-poll", $"--listen-address={Resolver}", "--bind-interfaces", "--pid-file=",
            "--user=root", "--group=root", "--local-ttl=60",
            $"--host-record=allowed.test,{Allowed}", $"--host-record=other.test,{Other}", $"--host-record=wild.test,{Apex}",
            $"--host-record=a.wild.test,{Wild}", $"--host-record=b.c.wild.test,{Wild}", $"--host-record=private.test,{Private}"));
        Driver = await StartDriverAsync();
    }

    /// <summary>
    /// Stops the node gracefully, checks that it left nothing in its namespace, and starts the next
    /// one on a second host: a namespace of its own with its own link to the fake internet
    /// (<see cref="SecondNodeAddress"/>), its own netfilter and pool, sharing only the data
    /// directory (journal and checkpoints) with the first, as hosts of one cluster share a store.
    /// </summary>
    public async Task MoveNodeToSecondHostAsync()
    {
        if (_nodeNamespaces.Count > 1) throw new InvalidOperationException("the node is already on the second host");
        var (ns, table, interfaces, gateway) = (NodeNs, Table, InterfacePrefix, Gateway);
        await Driver.DisposeAsync();
        var left = await NodeLeftoversAfterShutdownAsync(ns, table, interfaces, gateway);
        if (left.Count > 0) throw new Xunit.Sdk.XunitException("the first host left: " + string.Join(" | ", left));

        var second = _tag + "-node2";
        await NetnsCommand.RunAsync(null, "ip", "netns", "add", second);
        _nodeNamespaces.Add(second);
        await NetnsCommand.BatchAsync(InternetNs, $"""
            link add up1 type veth peer name up0 netns {second}
            addr add {SecondInternetLinkAddress}/24 dev up1
            link set up1 up
            """ + "\n");
        await NetnsCommand.BatchAsync(second, $"""
            link set lo up
            addr add {SecondNodeAddress}/24 dev up0
            link set up0 up
            route add default via {SecondInternetLinkAddress}
            """ + "\n");
        NodeNs = second;
        Driver = await StartDriverAsync();
    }

    /// <summary>Kills the node process with SIGKILL and starts a new one in the same namespace and
    /// data directory, as after a crash; returns the new one's log of its start.</summary>
    public async Task<string> CrashAndRestartDriverAsync()
    {
        await Driver.CrashAsync();
        await Driver.DisposeAsync();
        Driver = await StartDriverAsync();
        return Driver.Stderr;
    }

    /// <summary>Stops the node gracefully and starts it again with <paramref name="extra"/> set (or
    /// as configured by default without it).</summary>
    public async Task RestartDriverAsync(IReadOnlyDictionary<string, string>? extra = null)
    {
        await Driver.DisposeAsync();
        Driver = await StartDriverAsync(extra);
    }

    /// <summary>A second node process in the node namespace (the first keeps running).</summary>
    public Task<NetworkDriverClient> StartAnotherDriverAsync(IReadOnlyDictionary<string, string> extra) => StartDriverAsync(extra);

    private Task<NetworkDriverClient> StartDriverAsync(IReadOnlyDictionary<string, string>? extra = null) =>
        NetworkDriverClient.StartAsync(NodeNs, new Dictionary<string, string>(Environment(extra)), NodeVerb);

    private IEnumerable<KeyValuePair<string, string>> Environment(IReadOnlyDictionary<string, string>? extra)
    {
        var env = new Dictionary<string, string>
        {
            ["RUNSC_DISABLE_NETWORKING"] = "false",
            ["SANDBOX_NETWORK_DNS"] = Resolver,
            ["SANDBOX_NETWORK_SUBNET"] = "10.213.0.0/16",
            ["SANDBOX_DATA_DIR"] = Path.Combine(Dir, "data"),
            ["RUNSC_ROOT_DIR_BASE"] = Path.Combine(Dir, "state"),
            ["RUNSC_BUNDLE_DIR_BASE"] = Path.Combine(Dir, "bundles"),
            ["SANDBOX_ROOTFS"] = ServerFixture.RootfsPath,
            ["TEST_NETWORK_PREPARED_SLOTS"] = PreparedSlots.ToString(),
            ["TEST_NETWORK_MAX_CONNECTIONS"] = MaxConnections.ToString(),
            ["TEST_NETWORK_DNS_PER_SECOND"] = "20",
        };
        foreach (var (k, v) in NodeEnvironment) env[k] = v;
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) env[k] = v;
        return env;
    }

    /// <summary>GET from the node's namespace itself (no sandbox, no policy): shows a target is really there.</summary>
    public async Task<string> FromNodeAsync(string url) =>
        (await NetnsCommand.RunAsync(NodeNs, "curl", "-s", "--max-time", "5", url)).Trim();

    /// <summary>A TCP connection attempt from the node's namespace: "open" or "ERR ...".</summary>
    public async Task<string> ConnectFromNodeAsync(string address, int port) =>
        (await NetnsCommand.RunAsync(NodeNs, "/usr/bin/python3", "-c",
            $"import socket\ns=socket.socket()\ns.settimeout(3)\ntry:\n s.connect(('{address}',{port}))\n print('open')\nexcept Exception as e:\n print('ERR',type(e).__name__)")).Trim();

    /// <summary>Starts a networked sandbox; returns its address.</summary>
    public async Task<string> StartAsync(string key, JsonObject policy) =>
        (string)(await Driver.RequireAsync(new JsonObject { ["op"] = "start", ["key"] = key, ["policy"] = policy }))["address"]!;

    /// <summary>Runs Python in a sandbox and returns its stdout (fails on a non-zero exit).</summary>
    public async Task<string> PythonAsync(string key, string code, double timeoutSeconds = 60)
    {
        var r = await Driver.RequireAsync(new JsonObject { ["op"] = "exec", ["key"] = key, ["code"] = code, ["timeout"] = timeoutSeconds },
            TimeSpan.FromSeconds(timeoutSeconds + 30));
        if ((int)r["exit"]! != 0) throw new Xunit.Sdk.XunitException($"python exited {r["exit"]}: {r["stderr"]}");
        return ((string)r["stdout"]!).Trim();
    }

    public Task ApplyAsync(string key, JsonObject policy) =>
        Driver.RequireAsync(new JsonObject { ["op"] = "apply", ["key"] = key, ["policy"] = policy });

    public Task StopAsync(string key) => Driver.RequireAsync(new JsonObject { ["op"] = "stop", ["key"] = key, ["discard_bundle"] = true });

    public static JsonObject Policy(string egress, string[]? allow = null, string[]? deny = null)
    {
        var p = new JsonObject { ["egress"] = egress };
        if (allow is not null) p["allow"] = new JsonArray(allow.Select(a => (JsonNode)a!).ToArray());
        if (deny is not null) p["deny"] = new JsonArray(deny.Select(a => (JsonNode)a!).ToArray());
        return p;
    }

    /// <summary>Waits (bounded) until <paramref name="done"/> holds.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        var value = await probe();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            value = await probe();
        }
        return value;
    }

    /// <summary>What a sandbox's network left in the node: our namespaces and interfaces, and the
    /// per-sandbox objects (chains, sets, counters) in our table. Empty when every sandbox is gone.</summary>
    public async Task<IReadOnlyList<string>> SandboxLeftoversAsync()
    {
        var found = new List<string>();
        found.AddRange(Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns").Select(Path.GetFileName).Where(n => n!.StartsWith(NamespacePrefix)).Select(n => "namespace " + n) : []);
        var links = await NetnsCommand.RunAsync(NodeNs, "ip", "-o", "link", "show");
        found.AddRange(links.Split('\n').Select(l => l.Split(':')).Where(p => p.Length > 1 && p[1].Trim().Split('@')[0].StartsWith(InterfacePrefix)).Select(p => "interface " + p[1].Trim()));
        var table = await NetnsCommand.RunAsync(NodeNs, "nft", "list", "table", "inet", Table);
        foreach (var line in table.Split('\n').Select(l => l.Trim()))
            if (System.Text.RegularExpressions.Regex.IsMatch(line, @"^(chain|set|counter) [aedin]_|^counter (tx|rx)_"))
                found.Add("nftables " + line.TrimEnd('{', ' '));
        return found;
    }

    public virtual async Task DisposeAsync()
    {
        var problems = new List<string>();
        if (Driver is not null)
        {
            var gateway = Gateway;
            if (PreparedSlots == 0)
                try
                {
                    // a sandbox deleted by the last test may still be tearing its network down, and the
                    // pool may be refilling (a lease not yet waiting): what is left once both settle is a leak
                    var leftovers = await EventuallyAsync(LeftoversBeforeShutdownAsync, l => l.Count == 0);
                    problems.AddRange(leftovers.Select(l => "before shutdown: " + l));
                }
                catch (Exception e) { problems.Add("leak check failed: " + e.Message); }
            var (table, interfaces) = (Table, InterfacePrefix);
            await Driver.DisposeAsync();
            problems.AddRange(await NodeLeftoversAfterShutdownAsync(NodeNs, table, interfaces, gateway));
        }
        foreach (var p in _processes)
        {
            try { p.Kill(entireProcessTree: true); } catch { /* gone */ }
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            p.Dispose();
        }
        foreach (var ns in _nodeNamespaces.Append(InternetNs))
            try { await NetnsCommand.RunAsync(null, "ip", "netns", "del", ns); } catch (Exception e) { problems.Add(e.Message); }
        var namespaces = Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns").Select(Path.GetFileName).Where(n => n!.StartsWith(_tag) || (Driver is not null && n.StartsWith(NamespacePrefix))).ToList() : [];
        if (namespaces.Count > 0) problems.Add("namespaces left: " + string.Join(", ", namespaces));
        // a runsc the node killed on its way out may take a moment to die: what still runs after that leaked
        var strays = await EventuallyAsync(() => Task.FromResult(ProcessesMentioning(Dir)), s => s.Count == 0, TimeSpan.FromSeconds(10));
        if (strays.Count > 0) problems.Add("processes left: " + string.Join("; ", strays));
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
        if (problems.Count > 0) throw new Xunit.Sdk.XunitException("the network testbed leaked: " + string.Join(" | ", problems));
    }

    /// <summary>What a node that has stopped left in its namespace: its table, interfaces, resolver address.</summary>
    private static async Task<List<string>> NodeLeftoversAfterShutdownAsync(string ns, string table, string interfaces, string gateway)
    {
        var problems = new List<string>();
        try
        {
            var tables = await NetnsCommand.RunAsync(ns, "nft", "list", "tables");
            if (tables.Contains(table)) problems.Add($"the node left its nftables table {table}");
            var links = await NetnsCommand.RunAsync(ns, "ip", "-o", "link", "show");
            if (links.Contains(": " + interfaces)) problems.Add("the node left interfaces: " + links);
            var loopback = await NetnsCommand.RunAsync(ns, "ip", "-o", "addr", "show", "dev", "lo");
            if (loopback.Contains(" " + gateway + "/")) problems.Add($"the node left its resolver address {gateway} on lo");
        }
        catch (Exception e) { problems.Add("leak check failed: " + e.Message); }
        return problems;
    }

    /// <summary>Processes whose command line names <paramref name="text"/> (runsc of our state directory, …).</summary>
    public static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (var dir in Directory.GetDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmd.Contains(text)) found.Add($"{Path.GetFileName(dir)}: {cmd[..Math.Min(cmd.Length, 160)]}");
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }
}
