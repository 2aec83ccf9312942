using System.Diagnostics;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

public sealed class FastKeepAliveFixture : ServerFixture
{
    protected override SandboxHostSettings Customize(SandboxHostSettings s) =>
        s with { Gateway = s.Gateway with { KeepAliveInterval = TimeSpan.FromSeconds(1), KeepAliveTimeout = TimeSpan.FromSeconds(2) } };
}

/// <summary>§9.2 and issue 3 item 9: a peer that stops answering is dropped in bounded time, as a detach.</summary>
public class KeepAliveSpec(FastKeepAliveFixture server) : IClassFixture<FastKeepAliveFixture>
{
    [Fact]
    public async Task A_silent_peer_is_dropped_within_the_keepalive_timeout_and_its_sandbox_survives()
    {
        await using var proxy = new TcpProxy(server.HttpBase);
        var (c, id, token) = await CheckpointSpec.Create(proxy.WsBase, new { idle_timeout = 60 });
        proxy.Freeze();   // the client's machine vanishes: no FIN, no RST, no pongs
        var sw = Stopwatch.StartNew();

        // once the server has given up on the silent peer, the token holder can attach again (not "in use")
        while (true)
        {
            await using var again = await WsClient.ConnectAsync(new Uri(server.WsBase, $"/attach/{id}?sandbox_token={token}"));
            var first = (await again.ReadUntilAsync(e => e.StartsWith("status:")))[0];
            if (first == "status:" + SandboxStatus.Running)
            {
                Assert.Contains("stdout:survived\n", await CheckpointSpec.Run(again, "bash", "echo survived"));
                break;
            }
            Assert.Equal("status:" + SandboxStatus.InUse, first);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), "the dead peer was never dropped");
            await Task.Delay(500);
        }
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(1), $"dropped after {sw.Elapsed}, before any keepalive could fail");
        c.Socket.Dispose();
    }
}
