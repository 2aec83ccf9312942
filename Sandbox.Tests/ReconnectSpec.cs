using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>§6.8 through a TCP proxy that cuts the connection: nothing lost, nothing twice.</summary>
public class ReconnectSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string S = "status:";

    private static List<int> Lines(IEnumerable<string> events) =>
        string.Concat(events.Where(e => e.StartsWith("stdout:")).Select(e => e[7..]))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();

    [Theory]
    [InlineData(1.5)]   // the program is still running when the client comes back
    [InlineData(3.0)]   // the program finished while nobody was attached
    public async Task Output_produced_around_a_cut_connection_arrives_once_in_order(double awaySeconds)
    {
        await using var proxy = new TcpProxy(server.HttpBase);
        var (c, id, token) = await CheckpointSpec.Create(proxy.WsBase, new { idle_timeout = 60 });
        // lines 0-9, a pause (the cut happens here), 10-29 while the client is away, then 30-39 later
        await c.SendAsync(new
        {
            language = "python",
            code = "import time\nfor i in range(10): print(i)\ntime.sleep(1)\nfor i in range(10, 30): print(i)\ntime.sleep(1)\nfor i in range(30, 40): print(i)",
        });
        var seen = await c.ReadUntilAsync(e => e == "stdout:9\n" || e.EndsWith("\n9\n"));
        proxy.Cut();
        await Task.Delay(TimeSpan.FromSeconds(awaySeconds));
        c.Socket.Dispose();

        await using var again = await WsClient.ConnectAsync(new Uri(proxy.WsBase, $"/attach/{id}?sandbox_token={token}"));
        await again.SendAsync(new { action = "reconnect" });
        var resumed = await again.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone);
        Assert.Equal([S + SandboxStatus.Running, S + SandboxStatus.ExecutionRunning], resumed.Take(2));
        Assert.Equal(Enumerable.Range(0, 40), Lines(seen.Concat(resumed)));
    }

    [Fact]
    public async Task Reconnect_when_no_execution_ever_ran_answers_done_only()
    {
        await using var proxy = new TcpProxy(server.HttpBase);
        var (c, id, token) = await CheckpointSpec.Create(proxy.WsBase, new { idle_timeout = 60 });
        proxy.Cut();
        c.Socket.Dispose();
        await Task.Delay(300);
        await using var again = await WsClient.ConnectAsync(new Uri(proxy.WsBase, $"/attach/{id}?sandbox_token={token}"));
        await again.SendAsync(new { action = "reconnect" });
        Assert.Equal([S + SandboxStatus.Running, S + SandboxStatus.ExecutionDone], await again.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone));
    }
}
