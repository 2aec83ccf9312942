using System.Diagnostics;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Support;
using Xunit.Abstractions;

namespace Sandbox.Tests;

/// <summary>Backpressure end to end: a program that prints as fast as it can, a client that reads slowly.</summary>
[Collection(nameof(MemoryMeasuredCollection))]
public class OutputFloodSpec(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Two_hundred_megabytes_arrive_complete_and_in_order_while_server_memory_stays_bounded()
    {
        await using var c = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"));
        await c.SendAsync(new { idle_timeout = 120 });
        await c.ReadUntilAsync(e => e == "status:" + SandboxStatus.Running);

        // 200 MB of numbered 100-byte lines, written in 1 MB blocks
        const int lines = 2_000_000;
        await c.SendAsync(new
        {
            language = "python",
            code = "import sys\nw = sys.stdout.write\nblock = []\nfor i in range(2000000):\n    block.append('%099d\\n' % i)\n    if len(block) == 10000:\n        w(''.join(block)); block = []\n",
        });
        Assert.Equal("status:" + SandboxStatus.ExecutionRunning, (await c.ReadUntilAsync(e => e.StartsWith("status:")))[0]);

        GC.Collect();
        var baseline = GC.GetTotalMemory(true);
        long peak = 0, expected = 0, bytes = 0, frames = 0, maxFrame = 0;
        var carry = "";
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var e = await c.ReceiveAsync(TimeSpan.FromSeconds(60)) ?? throw new InvalidOperationException("closed early");
            var kind = e.GetProperty("event").GetString();
            if (kind == "status_update")
            {
                Assert.Equal(SandboxStatus.ExecutionDone, e.GetProperty("status").GetString());
                break;
            }
            Assert.Equal("stdout", kind);
            var data = e.GetProperty("data").GetString()!;
            frames++;
            bytes += data.Length;
            maxFrame = Math.Max(maxFrame, data.Length);
            var text = carry + data;
            var end = text.LastIndexOf('\n');
            foreach (var line in text[..(end + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Assert.Equal(expected++, long.Parse(line));
            carry = text[(end + 1)..];
            if (frames % 500 == 0)
            {
                // live objects only: garbage the GC has not come round to yet is not memory the server holds
                peak = Math.Max(peak, GC.GetTotalMemory(true) - baseline);
                if (sw.Elapsed < TimeSpan.FromSeconds(3)) await Task.Delay(20);   // a slow reader at first
            }
        }
        output.WriteLine($"{bytes / 1e6:0} MB in {frames} frames (largest {maxFrame} chars) in {sw.Elapsed.TotalSeconds:0.0} s; peak managed heap growth {peak / 1e6:0} MB");
        Assert.Equal(lines, expected);
        Assert.Equal("", carry);
        Assert.True(maxFrame <= 64 * 1024, $"frame of {maxFrame} chars");
        Assert.True(peak < 150_000_000, $"server and client together grew the heap by {peak / 1e6:0} MB for 200 MB of output");
    }

    [Fact]
    public async Task A_hundred_sessions_opened_and_closed_leave_no_container_behind()
    {
        var bundles = Path.Combine(server.Dir, "bundles");
        for (var round = 0; round < 10; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
            {
                await using var c = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"));
                await c.SendAsync(new { idle_timeout = 60 });
                await c.ReadUntilAsync(e => e == "status:" + SandboxStatus.Running);
                await c.SendAsync(new { action = "kill_sandbox" });
                Assert.Contains("status:" + SandboxStatus.Killed, await c.ReadUntilClosedAsync());
            }));
        }
        // clients are answered first and the teardown follows right after
        await ExecuteEndpointSpec.Eventually(() =>
        {
            Assert.Empty(Directory.GetDirectories(bundles));
            Assert.Empty(Directory.GetDirectories(Path.Combine(server.Dir, "state")));
            Assert.DoesNotContain(File.ReadLines("/proc/self/mounts"), l => l.Contains(server.Dir));
        }, TimeSpan.FromSeconds(20));
    }
}
