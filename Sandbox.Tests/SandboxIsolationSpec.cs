using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>
/// Issue 8 (access): code in a sandbox cannot reach host files, another sandbox's files, the journal
/// or the checkpoint store; and without API keys the operator routes answer loopback callers only.
/// </summary>
public class SandboxIsolationSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string S = "status:";

    [Fact]
    public async Task A_sandbox_sees_neither_the_host_nor_the_journal_nor_the_store_nor_its_neighbour()
    {
        // something on the host only the host has, and something only the neighbour has
        var hostSecret = Path.Combine(server.Dir, "host-secret.txt");
        var marker = Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(hostSecret, marker);
        var (a, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 120, enable_checkpoint = true });
        await using var _a = a;
        await CheckpointSpec.Run(a, "bash", $"echo {marker} > /tmp/neighbour-secret");
        // a checkpoint puts A's memory and files into the store
        var (b, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 120 });
        await using var _b = b;
        Assert.Equal(S + SandboxStatus.Checkpointed, (await CheckpointSpec.Checkpoint(a))[^1]);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(server.Dir, "checkpoints"), "*", SearchOption.AllDirectories));

        var paths = new[]
        {
            hostSecret,
            server.Settings.DataDir,
            Path.Combine(server.Settings.DataDir, "journal.db"),
            Path.Combine(server.Dir, "checkpoints"),
            Path.Combine(server.Dir, "bundles"),
            "/tmp/neighbour-secret",
            "/proc/1/root" + hostSecret,
        };
        var probe = string.Join("\n", paths.Select(p => $"[ -e '{p}' ] && echo 'visible: {p}'")) +
            $"\ngrep -rs {marker} /tmp /var /root /home /etc 2>/dev/null | head -3\necho probed";
        var events = await CheckpointSpec.Run(b, "bash", probe);
        Assert.Equal("probed\n", CheckpointSpec.Stdout(events));
        await b.SendAsync(new { action = "kill_sandbox" });
        await b.ReadUntilClosedAsync();
    }

    [Theory]
    [InlineData("10.1.2.3", 403)]
    [InlineData("::ffff:192.168.0.7", 403)]
    [InlineData("127.0.0.1", 200)]
    [InlineData("::1", 200)]
    [InlineData("::ffff:127.0.0.1", 200)]
    public async Task Without_keys_the_operator_routes_answer_loopback_callers_only(string remote, int status)
    {
        var services = new ServiceCollection().AddSingleton(new SandboxGateway(null!, null!, new GatewayOptions())).BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        var result = await new ApiKeyFilter(RouteAccess.Operator).InvokeAsync(new DefaultEndpointFilterInvocationContext(http),
            _ => ValueTask.FromResult<object?>(Results.Ok()));
        Assert.Equal(status, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);

        // the client routes stay open without keys, from anywhere
        var client = await new ApiKeyFilter(RouteAccess.Client).InvokeAsync(new DefaultEndpointFilterInvocationContext(http),
            _ => ValueTask.FromResult<object?>(Results.Ok()));
        Assert.Equal(200, Assert.IsAssignableFrom<IStatusCodeHttpResult>(client).StatusCode);
    }
}
