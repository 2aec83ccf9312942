using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Actors.Network;
using Sandbox.Host;
using Sandbox.Host.Configuration;

namespace Sandbox.Tests.Network;

/// <summary>
/// A whole server (gateway and sandbox host, SQLite, real runsc, networking on) as a process inside
/// the testbed's node namespace, speaking to the test through a Unix socket (<c>TEST_SERVER_SOCKET</c>,
/// the file system is shared across network namespaces; see <see cref="UnixSocketRelay"/>). On stdio
/// it answers like <see cref="NetworkNodeDriver"/>: a ready line with its network's names, then
/// <c>leases</c> and <c>shutdown</c> (a graceful stop: coordinated shutdown, networks disposed).
/// </summary>
public static class NetworkServerNode
{
    public const string Verb = "network-server-node";

    public static async Task<int> RunAsync()
    {
        var socket = Environment.GetEnvironmentVariable("TEST_SERVER_SOCKET") ?? throw new InvalidOperationException("TEST_SERVER_SOCKET is not set");
        var settings = SandboxHostSettings.FromEnvironment();
        settings = settings with
        {
            Network = settings.Network with
            {
                PreparedSlots = int.Parse(Environment.GetEnvironmentVariable("TEST_NETWORK_PREPARED_SLOTS") ?? "0"),
                MaxConnectionsPerSandbox = int.Parse(Environment.GetEnvironmentVariable("TEST_NETWORK_MAX_CONNECTIONS") ?? "32"),
                DnsQueriesPerSecond = int.Parse(Environment.GetEnvironmentVariable("TEST_NETWORK_DNS_PER_SECOND") ?? "20"),
            },
        };
        if (File.Exists(socket)) File.Delete(socket);
        var app = SandboxServer.Build(settings, b => b.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socket)));
        await app.StartAsync();
        var networks = app.Services.GetRequiredService<SandboxNetworks>();
        var pool = app.Services.GetService<Sandbox.Actors.Runsc.WarmPool>();
        await WriteAsync(new JsonObject
        {
            ["id"] = "ready", ["ok"] = true, ["table"] = networks.TableName, ["namespace_prefix"] = networks.NamespacePrefix,
            ["interface_prefix"] = networks.InterfacePrefix, ["gateway"] = networks.Options.Gateway.ToString(),
        });
        string? line;
        while ((line = await Console.In.ReadLineAsync()) is not null)
        {
            var request = JsonNode.Parse(line)!.AsObject();
            var reply = new JsonObject { ["id"] = (string?)request["id"], ["ok"] = true };
            switch ((string?)request["op"])
            {
                case "leases":
                    var waiting = pool?.WaitingKeys ?? [];
                    reply["leases"] = new JsonArray(networks.Leases.Select(l => (JsonNode)new JsonObject
                    {
                        ["key"] = l.ContainerKey, ["address"] = l.Address.ToString(), ["namespace"] = l.NamespacePath,
                        ["interface"] = l.HostInterface, ["waiting_in_pool"] = waiting.Contains(l.ContainerKey),
                    }).ToArray());
                    break;
                case "shutdown":
                    await app.StopAsync();
                    await app.DisposeAsync();
                    await WriteAsync(reply);
                    return 0;
                default:
                    reply["ok"] = false;
                    reply["error"] = $"unknown op {(string?)request["op"]}";
                    break;
            }
            await WriteAsync(reply);
        }
        await app.StopAsync();
        return 0;
    }

    private static async Task WriteAsync(JsonObject reply)
    {
        await Console.Out.WriteLineAsync(reply.ToJsonString());
        await Console.Out.FlushAsync();
    }
}
