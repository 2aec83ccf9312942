using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Network;

/// <summary>
/// The network testbed with a whole server as its node (<see cref="NetworkServerNode"/>): networking
/// on, checkpoints on (pause and resume), a warm pool of one, no prepared slots. The test reaches it
/// through a Unix socket relayed to loopback. Before it stops, every sandbox network left must be a
/// warm-pool container's; after, nothing at all (the testbed checks).
/// </summary>
public sealed class NetworkedServerTestbed : NetworkTestbed
{
    private UnixSocketRelay? _relay;
    private string SocketPath => Path.Combine(Dir, "server.sock");

    protected override string NodeVerb => NetworkServerNode.Verb;

    protected override IReadOnlyDictionary<string, string> NodeEnvironment => new Dictionary<string, string>
    {
        ["TEST_SERVER_SOCKET"] = SocketPath,
        ["SANDBOX_CHECKPOINT_MOUNT_PATH"] = Path.Combine(Dir, "checkpoints"),
        ["SANDBOX_WARM_POOL_SIZE"] = "1",
        ["SANDBOX_WARM_POOL_MAX"] = "1",   // the specs count the pool's networks
        ["SANDBOX_ADMIN_PORT"] = "0",
        ["LOG_LEVEL"] = Environment.GetEnvironmentVariable("TEST_LOG_LEVEL") ?? "Warn",
    };

    public Uri HttpBase => _relay!.HttpBase;
    public Uri WsBase => _relay!.WsBase;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromMinutes(3) };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _relay = new UnixSocketRelay(SocketPath);
        Http.BaseAddress = _relay.HttpBase;
    }

    public override async Task DisposeAsync()
    {
        Http.Dispose();
        try { await base.DisposeAsync(); }
        finally { if (_relay is not null) await _relay.DisposeAsync(); }
    }

    /// <summary>The node's leases: container key → (namespace, sandbox address, whether a warm-pool container waiting to be taken holds it).</summary>
    public async Task<IReadOnlyDictionary<string, (string Namespace, string Address, bool WaitingInPool)>> LeasesAsync()
    {
        var r = await Driver.RequireAsync(new JsonObject { ["op"] = "leases" });
        return r["leases"]!.AsArray().ToDictionary(l => (string)l!["key"]!, l => ((string)l!["namespace"]!, (string)l["address"]!, (bool)l["waiting_in_pool"]!));
    }

    /// <summary>Sandbox networks (namespaces, interfaces, nftables objects) of anything but a warm-pool
    /// container waiting to be taken: none once every sandbox is gone.</summary>
    public async Task<IReadOnlyList<string>> NonPoolLeftoversAsync()
    {
        var waiting = (await LeasesAsync()).Values.Where(l => l.WaitingInPool).Select(l => Path.GetFileName(l.Namespace)[NamespacePrefix.Length..]).ToList();
        return (await SandboxLeftoversAsync()).Where(l => !waiting.Any(l.Contains)).ToList();
    }

    protected override Task<IReadOnlyList<string>> LeftoversBeforeShutdownAsync() => NonPoolLeftoversAsync();

    /// <summary>POST /v1/sandboxes; returns id and token (fails on anything but 201).</summary>
    public async Task<(string Id, string Token)> CreateAsync(object request)
    {
        var r = await Http.PostAsJsonAsync("/v1/sandboxes", request);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == System.Net.HttpStatusCode.Created, $"create answered {(int)r.StatusCode}: {body}");
        var json = JsonNode.Parse(body)!;
        return ((string)json["sandbox_id"]!, (string)json["sandbox_token"]!);
    }

    /// <summary>A /v1 call with the sandbox's token; returns the status and the JSON body.</summary>
    public async Task<(int Status, JsonNode? Body)> CallAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Sandbox-Token", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var r = await Http.SendAsync(request);
        var text = await r.Content.ReadAsStringAsync();
        return ((int)r.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    /// <summary>Runs Python in the sandbox through the reference protocol (attach, execute) and returns its stdout.</summary>
    public async Task<string> PythonAsync(string id, string token, string code)
    {
        await using var ws = await WsClient.ConnectAsync(new Uri(WsBase, $"/attach/{id}?sandbox_token={token}"));
        await ws.ReadUntilAsync(e => e == "status:" + SandboxStatus.Running, TimeSpan.FromSeconds(120));
        await ws.SendAsync(new { language = "python", code });
        var events = await ws.ReadUntilAsync(e => e is "status:" + SandboxStatus.ExecutionDone or "status:" + SandboxStatus.ExecutionError,
            TimeSpan.FromSeconds(60));
        return string.Concat(events.Where(e => e.StartsWith("stdout:")).Select(e => e["stdout:".Length..])).Trim();
    }

    public static string Text(JsonNode? n) => n?.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) ?? "null";
}
