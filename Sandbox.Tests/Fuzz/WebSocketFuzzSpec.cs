using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Support;
using Xunit.Abstractions;

namespace Sandbox.Tests.Fuzz;

/// <summary>
/// Issue 8 (hostile input): seeded, bounded fuzzing of the WebSocket protocol. Every hostile frame
/// gets the protocol's answer, the session stays usable, another client's session keeps working,
/// and the fixture finds no container left behind.
/// </summary>
public class WebSocketFuzzSpec(FuzzServerFixture server, ITestOutputHelper output) : IClassFixture<FuzzServerFixture>
{
    private const string S = "status:";
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(45);

    private async Task<WsClient> Create(object? init = null)
    {
        var c = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"));
        await c.SendAsync(init ?? new { idle_timeout = 600 });
        var events = await c.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.Contains("ERROR"));
        Assert.Equal(S + SandboxStatus.Running, events[^1]);
        return c;
    }

    private static async Task Kill(WsClient c)
    {
        await c.SendAsync(new { action = "kill_sandbox" });
        await c.ReadUntilClosedAsync();
    }

    private static async Task AssertUsable(WsClient c, string marker)
    {
        await c.SendAsync(new { language = "python", code = $"print('{marker}')" });
        var events = await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone || e.Contains("ERROR"));
        Assert.Equal(marker + "\n", string.Concat(events.Where(e => e.StartsWith("stdout:")).Select(e => e["stdout:".Length..])));
        Assert.Equal(S + SandboxStatus.ExecutionDone, events[^1]);
    }

    [Fact]
    public async Task Every_kind_of_malformed_frame_gets_the_protocols_error_and_the_session_and_its_neighbour_keep_working()
    {
        await FuzzSeed.RunAsync(output, async rng =>
        {
            await using var bystander = await Bystander.StartAsync(server.WsBase);
            var c = await Create();
            await using var _ = c;
            var sw = Stopwatch.StartNew();
            var sent = 0;
            var kinds = new Dictionary<string, int>();
            while (sent < 600 && sw.Elapsed < Budget)
            {
                var frame = ProtocolFuzzCases.Next(rng, anExecutionHasRun: sent >= 100);
                await c.Socket.SendAsync(frame.Payload, frame.Type, true, CancellationToken.None);
                sent++;
                kinds[frame.Kind] = kinds.GetValueOrDefault(frame.Kind) + 1;
                List<string> got;
                try { got = await c.ReadUntilAsync(e => e.StartsWith("error:"), TimeSpan.FromSeconds(20)); }
                catch (Exception e) { throw new Xunit.Sdk.XunitException($"frame {sent} ({frame}) got no error: {e.Message}"); }
                var ok = got.Count == frame.Expected.Length && got.Zip(frame.Expected).All(p => p.Item1.StartsWith(p.Item2, StringComparison.Ordinal));
                Assert.True(ok, $"frame {sent} ({frame}):\n expected {string.Join(" | ", frame.Expected)}\n got      {string.Join(" | ", got)}");
                if (sent % 100 == 0) await AssertUsable(c, $"alive-{sent}");
            }
            output.WriteLine($"{sent} frames in {sw.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}; bystander ran {bystander.Completed} executions");
            Assert.True(sent >= 100, $"only {sent} frames in the time budget");
            await AssertUsable(c, "still-alive");
            await Kill(c);
            Assert.True(bystander.Completed > 0, "the bystander never completed an execution while the fuzzing ran");
            Assert.Empty(await bystander.StopAsync());
        });
    }

    [Fact]
    public async Task Thousands_of_malformed_frames_a_second_are_each_answered_in_order_while_a_neighbour_runs()
    {
        await FuzzSeed.RunAsync(output, async rng =>
        {
            await using var bystander = await Bystander.StartAsync(server.WsBase);
            var c = await Create();
            await using var _ = c;
            const int count = 4000;
            var frames = Enumerable.Range(0, count).Select(i => i % 2 == 0 ? "{\"action\":" + i : "[" + i + "]").ToList();
            // read concurrently, as a client would; the server must neither drop nor reorder answers
            var reader = Task.Run(async () =>
            {
                var events = new List<string>();
                try
                {
                    while (events.Count < 2 * count)
                        events.Add(WsClient.Describe(await c.ReceiveAsync(TimeSpan.FromSeconds(30)) ?? throw new InvalidOperationException("closed")));
                }
                catch (Exception e) { throw new Xunit.Sdk.XunitException($"after {events.Count} of {2 * count} answers (close status {c.CloseStatus}): {e.Message}"); }
                return events;
            });
            var sw = Stopwatch.StartNew();
            foreach (var f in frames) await c.SendTextAsync(f);
            var sendRate = count / sw.Elapsed.TotalSeconds;
            var answered = await reader.WaitAsync(TimeSpan.FromSeconds(90));
            output.WriteLine($"{count} frames sent at {sendRate:0} per second, all answered after {sw.Elapsed.TotalSeconds:0.00} s; bystander ran {bystander.Completed} executions");
            Assert.True(sendRate > 1000, $"the server took the frames at only {sendRate:0} per second");
            for (var i = 0; i < count; i++)
            {
                Assert.Equal(S + SandboxStatus.Error, answered[2 * i]);
                Assert.StartsWith(i % 2 == 0 ? "error:Invalid message: not valid JSON" : "error:Invalid message: expected a JSON object", answered[2 * i + 1]);
            }
            await AssertUsable(c, "after-the-flood");
            await Kill(c);
            Assert.Empty(await bystander.StopAsync());
        });
    }

    [Fact]
    public async Task A_frame_over_the_size_limit_is_refused_with_1009_in_the_session_and_at_create()
    {
        await using var bystander = await Bystander.StartAsync(server.WsBase);
        var c = await Create();
        await using (c)
        {
            // one frame, then the same size as many fragments of one message
            var huge = Encoding.UTF8.GetBytes("{\"language\":\"python\",\"code\":\"" + new string('x', 4 * FuzzServerFixture.MaxMessageBytes) + "\"}");
            var sending = c.Socket.SendAsync(huge, WebSocketMessageType.Text, true, CancellationToken.None);
            var events = await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(20));
            Assert.Equal([S + SandboxStatus.Error, $"error:Message too big: the limit is {FuzzServerFixture.MaxMessageBytes} bytes."], events);
            Assert.Equal(1009, c.CloseStatus);
            try { await sending.WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { /* the server closed first */ }
        }

        await using (var fragmented = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create")))
        {
            var chunk = Encoding.UTF8.GetBytes(new string(' ', 16 * 1024));
            var sending = Task.Run(async () =>
            {
                for (var i = 0; i < 16 && fragmented.Socket.State == WebSocketState.Open; i++)
                    await fragmented.Socket.SendAsync(chunk, WebSocketMessageType.Text, false, CancellationToken.None);
            });
            var events = await fragmented.ReadUntilClosedAsync(TimeSpan.FromSeconds(20));
            Assert.Equal([S + SandboxStatus.Error, $"error:Message too big: the limit is {FuzzServerFixture.MaxMessageBytes} bytes."], events);
            Assert.Equal(1009, fragmented.CloseStatus);
            try { await sending.WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { }
        }
        Assert.Empty(await bystander.StopAsync());
    }

    [Fact]
    public async Task Text_that_is_not_utf8_closes_only_that_connection_with_1007()
    {
        await using var bystander = await Bystander.StartAsync(server.WsBase);
        var c = await Create();
        await using (c)
        {
            await c.Socket.SendAsync(new byte[] { (byte)'{', 0xC3, 0x28, 0xFF, (byte)'}' }, WebSocketMessageType.Text, true, CancellationToken.None);
            var events = await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(20));
            Assert.Empty(events);
            Assert.Equal((int)WebSocketCloseStatus.InvalidPayloadData, c.CloseStatus);
        }
        Assert.Empty(await bystander.StopAsync());
    }

    public static TheoryData<string, string> BadInits => new()
    {
        { "{", "Invalid init message:" },
        { "[]", "Invalid init message:" },
        { "\"idle_timeout\"", "Invalid init message:" },
        { "{\"idle_timeout\": \"soon\"}", "Invalid init message: idle_timeout" },
        { "{\"idle_timeout\": {\"s\": 1}}", "Invalid init message: idle_timeout" },
        { "{\"idle_timeout\": 1e400}", "Invalid init message:" },
        { "{\"idle_timeout\": 1e300}", "Invalid init message: idle_timeout" },
        { "{\"idle_timeout\": \"1e300\"}", "Invalid init message: idle_timeout" },
        { "{\"filesystem_snapshot_name\": \"\\ud800\"}", "Invalid init message:" },
        { "{\"enable_checkpoint\": \"\\udc00\"}", "Invalid init message:" },
        { "{\"filesystem_snapshot_name\": \"../../etc\"}", "Failed to create gVisor container:" },
    };

    [Theory]
    [MemberData(nameof(BadInits))]
    public async Task A_malformed_init_message_is_a_creation_error_with_close_4000(string init, string error)
    {
        await using var c = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"));
        await c.SendTextAsync(init);
        var events = await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([S + SandboxStatus.Creating, S + SandboxStatus.CreationError], events.Take(2));
        Assert.StartsWith("error:" + error, events[2]);
        Assert.Equal(3, events.Count);
        Assert.Equal(4000, c.CloseStatus);
    }

    [Fact]
    public async Task A_binary_init_message_is_a_creation_error()
    {
        await using var c = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"));
        await c.Socket.SendAsync("{}"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        var events = await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([S + SandboxStatus.Creating, S + SandboxStatus.CreationError, "error:Invalid init message: binary frames are not supported"], events);
        Assert.Equal(4000, c.CloseStatus);
    }
}
