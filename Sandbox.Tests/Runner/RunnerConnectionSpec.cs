using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Sandbox.Actors.Runner;
using Sandbox.Tests.Support;
using Xunit.Abstractions;

namespace Sandbox.Tests.Runner;

/// <summary>
/// The host's side of the runner channel against a scripted runner over in-memory pipes: every
/// broken or forged stream ends the connection with a reason, within a bounded time, and pending
/// calls learn it; valid interleavings work.
/// </summary>
public class RunnerConnectionSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private static readonly RunnerConnectionOptions Quick = new()
    {
        FrameCompletionTimeout = TimeSpan.FromMilliseconds(300), ReplyTimeout = TimeSpan.FromSeconds(5),
        OutboundStallTimeout = TimeSpan.FromMilliseconds(500),
    };

    private static async Task<RunnerEnd> EndsWithin(RunnerConnection c, TimeSpan? bound = null) =>
        await c.Ended.WaitAsync(bound ?? Bound);

    private static async Task<ScriptedRunner> ReadyRunner(RunnerConnectionOptions? options = null)
    {
        var s = new ScriptedRunner(options ?? Quick);
        await s.ReadyAsync();
        await s.Connection.Ready.WaitAsync(Bound);
        return s;
    }

    /// <summary>Starts a block process with <paramref name="credit"/> through the connection, answered by the script.</summary>
    private static async Task<uint> StartBlock(ScriptedRunner s, long credit, uint id = 1)
    {
        var start = s.Connection.StartProcessAsync(new ProcessRequest { Policy = OutputPolicy.Block, Cmd = ["x"], Credit = credit, Tag = "t" });
        var q = await s.NextRequestAsync();
        Assert.Equal("start", q.Op);
        Assert.Equal(credit, q.Json.GetProperty("credit").GetInt64());
        await s.SendJsonAsync('k', q.Channel, new { process_id = id, pid = 40 + id });
        Assert.Equal(id, (await start.WaitAsync(Bound)).ProcessId);
        return id;
    }

    [Fact]
    public async Task A_fresh_runner_is_ready_after_its_ready_frame()
    {
        await using var s = new ScriptedRunner(Quick);
        Assert.False(s.Connection.Ready.IsCompleted);
        await s.ReadyAsync();
        var hello = await s.Connection.Ready.WaitAsync(Bound);
        Assert.Equal(2, hello.Version);
        var ping = s.Connection.PingAsync();
        var q = await s.NextAsync();
        Assert.Equal(('Q', "ping"), (q.Type, q.Op));
        await s.SendJsonAsync('k', q.Channel, new { });
        await ping.WaitAsync(Bound);
    }

    [Fact]
    public async Task Garbage_ends_the_connection_naming_the_unknown_frame_type_and_fails_pending_calls()
    {
        await using var s = await ReadyRunner();
        var ping = s.Connection.PingAsync();
        await s.SendRawAsync("XXXXgarbage"u8.ToArray());
        var end = await EndsWithin(s.Connection);
        Assert.Equal(RunnerEndKind.Violation, end.Kind);
        Assert.Equal("the sandbox runner sent a frame of unknown type 'X' (0x58)", end.Reason);
        var e = await Assert.ThrowsAsync<RunnerUnavailableException>(() => ping.WaitAsync(Bound));
        Assert.Same(end, e.End);
        await Assert.ThrowsAsync<RunnerUnavailableException>(() => s.Connection.StatAsync("/"));
        Assert.False(await s.Connection.Events.WaitToReadAsync().AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task A_header_claiming_2_GB_is_refused_at_once_without_waiting_for_its_payload()
    {
        await using var s = await ReadyRunner();
        var header = new byte[9];
        header[0] = (byte)'k';
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(1), 0x8000_0001);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(5), 0x8000_0000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        await s.SendRawAsync(header);
        var end = await EndsWithin(s.Connection, TimeSpan.FromSeconds(1));
        Assert.Equal(RunnerEndKind.Violation, end.Kind);
        Assert.Contains("claiming 2147483648 bytes", end.Reason);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Anything_before_the_ready_frame_is_a_violation()
    {
        await using var s = new ScriptedRunner(Quick);
        await s.SendJsonAsync('k', 0x8000_0001, new { });
        var end = await EndsWithin(s.Connection);
        Assert.Equal("the sandbox runner sent a reply frame before saying it was ready", end.Reason);
        await Assert.ThrowsAsync<RunnerUnavailableException>(() => s.Connection.Ready);
    }

    [Theory]
    [InlineData("{\"version\":1,\"pid\":1}", "speaks protocol version 1")]
    [InlineData("{\"version\":2}", "'pid' is missing")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"version\":2,\"pid\":", "not valid JSON")]
    public async Task A_ready_frame_of_the_wrong_shape_is_a_violation(string json, string why)
    {
        await using var s = new ScriptedRunner(Quick);
        await s.SendAsync('r', 0, Encoding.UTF8.GetBytes(json));
        Assert.Contains(why, (await EndsWithin(s.Connection)).Reason);
    }

    [Fact]
    public async Task A_second_ready_frame_is_a_violation()
    {
        await using var s = await ReadyRunner();
        await s.ReadyAsync();
        Assert.Equal("the sandbox runner said it was ready a second time", (await EndsWithin(s.Connection)).Reason);
    }

    [Fact]
    public async Task Frames_on_a_channel_the_host_never_opened_are_a_violation()
    {
        await using var s = await ReadyRunner();
        await s.SendJsonAsync('k', 0x8000_0099, new { });
        Assert.Equal("the sandbox runner sent a reply frame on channel 0x80000099, which is not open", (await EndsWithin(s.Connection)).Reason);
        await using var t = await ReadyRunner();
        await t.SendAsync('o', 7, ScriptedRunner.Output(1, 0, "hi"u8.ToArray()));
        Assert.Equal("the sandbox runner sent an output frame for process 7, which it never started", (await EndsWithin(t.Connection)).Reason);
    }

    [Fact]
    public async Task A_block_process_may_push_only_the_output_it_was_granted()
    {
        await using var s = await ReadyRunner();
        var id = await StartBlock(s, credit: 100);
        Assert.IsType<ProcessStarted>(await s.Connection.Events.ReadAsync().AsTask().WaitAsync(Bound));
        await s.SendAsync('o', id, ScriptedRunner.Output(1, 0, new byte[60]));
        var first = Assert.IsType<ProcessOutput>(await s.Connection.Events.ReadAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(60, first.Bytes.Length);
        await s.SendAsync('o', id, ScriptedRunner.Output(1, 60, new byte[41]));
        var end = await EndsWithin(s.Connection);
        Assert.Equal("the sandbox runner sent 41 bytes of output for process 1 beyond the 40 it was granted", end.Reason);
    }

    [Fact]
    public async Task Acknowledged_output_is_credit_again_and_offsets_must_follow_on()
    {
        await using var s = await ReadyRunner();
        var id = await StartBlock(s, credit: 10);
        await s.SendAsync('o', id, ScriptedRunner.Output(2, 0, new byte[10]));
        s.Connection.Acknowledge(id, 10);
        var credit = await s.NextAsync();
        Assert.Equal(('C', id), (credit.Type, credit.Channel));
        Assert.Equal(10u, BinaryPrimitives.ReadUInt32LittleEndian(credit.Payload));
        await s.SendAsync('o', id, ScriptedRunner.Output(2, 10, new byte[10]));
        await s.SendAsync('o', id, ScriptedRunner.Output(2, 25, new byte[1]));
        Assert.Contains("at offset 25 where 20 was next", (await EndsWithin(s.Connection)).Reason);
    }

    [Fact]
    public async Task A_process_is_silent_after_its_exit_and_a_keep_process_never_pushes()
    {
        await using var s = await ReadyRunner();
        var id = await StartBlock(s, credit: 10);
        await s.SendJsonAsync('z', id, new { exit_code = 0, signal = (string?)null, timed_out = false, offset = 0 });
        await s.SendJsonAsync('z', id, new { exit_code = 0, signal = (string?)null, timed_out = false, offset = 0 });
        Assert.Contains("for process 1, which has exited", (await EndsWithin(s.Connection)).Reason);

        await using var t = await ReadyRunner();
        var start = t.Connection.StartProcessAsync(new ProcessRequest { Cmd = ["x"] });
        var q = await t.NextRequestAsync();
        await t.SendJsonAsync('k', q.Channel, new { process_id = 3, pid = 9 });
        await start;
        await t.SendAsync('o', 3, ScriptedRunner.Output(1, 0, "x"u8.ToArray()));
        Assert.Contains("pushed output of process 3, which keeps its output", (await EndsWithin(t.Connection)).Reason);
    }

    [Fact]
    public async Task An_output_read_gets_no_more_than_its_window_until_the_reader_takes_some()
    {
        var options = Quick with { StreamWindowBytes = 1000 };
        await using var s = await ReadyRunner(options);
        var records = new List<OutputRecord>();
        var reading = Task.Run(async () =>
        {
            await foreach (var r in s.Connection.ReadOutputAsync(5, 0, follow: true)) records.Add(r);
        });
        var q = await s.NextRequestAsync();
        Assert.Equal(1000, q.Json.GetProperty("credit").GetInt32());
        await s.SendAsync('g', q.Channel, Gap(0, 50));
        await s.SendAsync('o', q.Channel, ScriptedRunner.Output(1, 50, new byte[984]));
        var credit = await s.NextAsync();   // the reader took 1000: half a window or more comes back
        Assert.Equal('C', credit.Type);
        Assert.Equal(1000u, BinaryPrimitives.ReadUInt32LittleEndian(credit.Payload));
        await s.SendAsync('o', q.Channel, ScriptedRunner.Output(3, 1034, new byte[1000]));
        await s.SendAsync('o', q.Channel, ScriptedRunner.Output(3, 2034, new byte[1]));
        Assert.Contains("beyond the credit it was granted", (await EndsWithin(s.Connection)).Reason);
        await Assert.ThrowsAsync<RunnerUnavailableException>(() => reading.WaitAsync(Bound));
        Assert.IsType<OutputGap>(records[0]);
    }

    private static byte[] Gap(long offset, long dropped)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), (ulong)dropped);
        return b;
    }

    [Fact]
    public async Task A_frame_cut_off_by_the_end_of_the_stream_is_a_violation()
    {
        await using var s = await ReadyRunner();
        await s.SendRawAsync([(byte)'k', 1, 0, 0]);
        await s.CloseAsync();
        Assert.Equal("the sandbox runner's output ended in the middle of a frame (4 bytes of it)", (await EndsWithin(s.Connection)).Reason);
    }

    [Fact]
    public async Task A_frame_that_begins_and_never_completes_ends_the_connection_within_its_bound()
    {
        await using var s = await ReadyRunner();
        var ping = s.Connection.PingAsync();
        var q = await s.NextAsync();
        var reply = new byte[9 + 2];
        reply[0] = (byte)'k';
        BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(1), q.Channel);
        BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(5), 2);
        await s.SendRawAsync(reply[..10]);   // "{" of "{}", and nothing more
        var clock = Stopwatch.StartNew();
        var end = await EndsWithin(s.Connection);
        Assert.Equal("the sandbox runner began a frame and did not finish it within 0.3 s", end.Reason);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(3));
        await Assert.ThrowsAsync<RunnerUnavailableException>(() => ping);
    }

    [Fact]
    public async Task A_clean_end_between_frames_is_a_close_not_a_violation()
    {
        await using var s = await ReadyRunner();
        await s.CloseAsync();
        Assert.Equal(RunnerEndKind.Closed, (await EndsWithin(s.Connection)).Kind);
    }

    [Theory]
    [InlineData("{\"kind\":\"not_found\"}", "'detail' is missing")]
    [InlineData("{\"kind\":\"teapot\",\"detail\":\"x\"}", "unknown kind 'teapot'")]
    [InlineData("{\"kind\":\"cancelled\",\"detail\":\"x\"}", "a cancellation it was never asked for")]
    public async Task Errors_must_be_of_a_known_kind_and_shape(string json, string why)
    {
        await using var s = await ReadyRunner();
        var stat = s.Connection.StatAsync("/x");
        var q = await s.NextAsync();
        await s.SendAsync('x', q.Channel, Encoding.UTF8.GetBytes(json));
        Assert.Contains(why, (await EndsWithin(s.Connection)).Reason);
        await Assert.ThrowsAsync<RunnerUnavailableException>(() => stat);
    }

    [Fact]
    public async Task A_typed_error_fails_only_its_call()
    {
        await using var s = await ReadyRunner();
        var stat = s.Connection.StatAsync("/missing");
        var q = await s.NextAsync();
        await s.SendJsonAsync('x', q.Channel, new { kind = "not_found", detail = "/missing: No such file or directory" });
        var e = await Assert.ThrowsAsync<RunnerFileException>(() => stat);
        Assert.Equal(RunnerFileError.NotFound, e.Kind);
        Assert.False(s.Connection.Ended.IsCompleted);
    }

    [Fact]
    public async Task A_late_answer_fails_the_call_with_a_timeout_but_not_the_connection()
    {
        await using var s = await ReadyRunner(Quick with { ReplyTimeout = TimeSpan.FromMilliseconds(200) });
        var ping = s.Connection.PingAsync();
        var q = await s.NextAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => ping.WaitAsync(Bound));
        await s.SendJsonAsync('k', q.Channel, new { });   // late, taken and dropped
        var again = s.Connection.PingAsync();
        await s.SendJsonAsync('k', (await s.NextAsync()).Channel, new { });
        await again.WaitAsync(Bound);
        Assert.False(s.Connection.Ended.IsCompleted);
    }

    [Fact]
    public async Task A_read_or_write_the_runner_stops_feeding_fails_with_a_timeout_and_is_cancelled()
    {
        await using var s = await ReadyRunner(Quick with { ReplyTimeout = TimeSpan.FromMilliseconds(300) });
        var read = s.Connection.OpenReadAsync("/f");
        var q = await s.NextRequestAsync();
        await s.SendAsync('h', q.Channel, Entry("/f", "file", 100));
        await using var d = await read.WaitAsync(Bound);
        await s.SendAsync('d', q.Channel, new byte[10]);   // and then nothing, with credit outstanding
        var buffer = new byte[100];
        Assert.Equal(10, await d.Content.ReadAsync(buffer));
        await Assert.ThrowsAsync<TimeoutException>(() => d.Content.ReadAsync(buffer).AsTask().WaitAsync(Bound));
        var cancel = await s.NextRequestAsync();
        Assert.Equal(('Z', q.Channel), (cancel.Type, cancel.Channel));

        var write = s.Connection.WriteFileAsync("/g", null, new MemoryStream(new byte[5000]));
        var w = await s.NextRequestAsync();
        await s.SendAsync('c', w.Channel, ScriptedRunner.U32(100));   // and no more
        await Assert.ThrowsAsync<TimeoutException>(() => write.WaitAsync(Bound));
        Assert.False(s.Connection.Ended.IsCompleted);
    }

    [Fact]
    public async Task A_runner_that_stops_reading_its_input_ends_the_connection_within_the_stall_bound()
    {
        var s = new ScriptedRunner(Quick, hostPipeLimit: 64 * 1024);
        await using var _ = s;
        await s.ReadyAsync();
        await s.Connection.Ready.WaitAsync(Bound);
        var writes = Enumerable.Range(0, 8).Select(_ => s.Connection.WriteStdinAsync(1, new byte[64 * 1024])).ToList();
        var end = await EndsWithin(s.Connection);
        Assert.Equal("the sandbox runner stopped reading its input for 0.5 s", end.Reason);
        foreach (var w in writes) await Assert.ThrowsAnyAsync<Exception>(() => w.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_restored_runner_must_answer_the_revive_before_anything_else()
    {
        await using var s = new ScriptedRunner(Quick, restored: true);
        var revive = s.Connection.ReviveAsync("fork-1");
        var q = await s.NextAsync();
        Assert.Equal("revive", q.Op);
        Assert.Equal("fork-1", q.Json.GetProperty("hostname").GetString());
        await s.SendJsonAsync('k', q.Channel, new { version = 2, pid = 1, running = new object[] { new object[] { 4, "block", 100, 12, "exec-1" } } });
        var hello = await revive.WaitAsync(Bound);
        Assert.Equal(new RunningProcess(4, OutputPolicy.Block, 100, 12, "exec-1"), hello.Running.Single());
        Assert.Same(hello, await s.Connection.Ready);
        // the revived block process goes on at its offset, within its remaining credit
        await s.SendAsync('o', 4, ScriptedRunner.Output(1, 12, new byte[100]));
        Assert.Equal(12, Assert.IsType<ProcessOutput>(await s.Connection.Events.ReadAsync()).Offset);

        await using var t = new ScriptedRunner(Quick, restored: true);
        await t.SendAsync('o', 4, ScriptedRunner.Output(1, 0, new byte[1]));
        Assert.Equal("the sandbox runner sent an output frame before answering the revive", (await EndsWithin(t.Connection)).Reason);
    }

    [Fact]
    public async Task Interleaved_processes_replies_and_reads_are_delivered_in_order()
    {
        await using var s = await ReadyRunner();
        var a = await StartBlock(s, 1000, id: 1);
        var b = await StartBlock(s, 1000, id: 2);
        var stat = s.Connection.StatAsync("/etc");
        var sq = await s.NextRequestAsync();
        var read = s.Connection.OpenReadAsync("/f");
        var rq = await s.NextRequestAsync();
        await s.SendAsync('o', a, ScriptedRunner.Output(1, 0, "a1"u8.ToArray()));
        await s.SendAsync('h', rq.Channel, Entry("/f", "file", 6));
        await s.SendAsync('o', b, ScriptedRunner.Output(2, 0, "b1"u8.ToArray()));
        await s.SendAsync('k', sq.Channel, Entry("/etc", "dir", 4096));
        await s.SendAsync('d', rq.Channel, "hel"u8.ToArray());
        await s.SendAsync('o', a, ScriptedRunner.Output(1, 2, "a2"u8.ToArray()));
        await s.SendAsync('d', rq.Channel, "lo!"u8.ToArray());
        await s.SendJsonAsync('e', rq.Channel, new { bytes = 6 });
        await s.SendJsonAsync('z', b, new { exit_code = (int?)null, signal = "KILL", timed_out = false, offset = 2 });
        Assert.Equal(FileEntryType.Directory, (await stat.WaitAsync(Bound)).Type);
        await using var download = await read.WaitAsync(Bound);
        Assert.Equal(6, download.Entry.Size);
        Assert.Equal("hello!", await new StreamReader(download.Content).ReadToEndAsync());
        var events = new List<RunnerEvent>();
        while (events.Count < 6) events.Add(await s.Connection.Events.ReadAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(["started 1", "started 2", "out 1 0", "out 2 0", "out 1 2", "exit 2 KILL"], events.Select(e => e switch
        {
            ProcessStarted p => $"started {p.ProcessId}",
            ProcessOutput o => $"out {o.ProcessId} {o.Offset}",
            ProcessExited x => $"exit {x.ProcessId} {x.Status.Signal}",
            _ => "?",
        }));
        Assert.False(s.Connection.Ended.IsCompleted);
    }

    private static byte[] Entry(string path, string type, long size) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new
    {
        name = Path.GetFileName(path), path, type, size, mode = 420, mtime = 1_700_000_000.5,
    });

    [Fact]
    public async Task Frames_bigger_than_the_read_buffer_arrive_whole_even_a_byte_at_a_time()
    {
        // 150,000 writes of one byte take longer than Quick's 0.3 s for a frame on a busy machine: this
        // spec is about reassembly, the frame deadline has its own
        await using var s = await ReadyRunner(Quick with { StreamWindowBytes = 1 << 20, FrameCompletionTimeout = TimeSpan.FromSeconds(30) });
        var read = s.Connection.OpenReadAsync("/f");
        var q = await s.NextRequestAsync();
        await s.SendAsync('h', q.Channel, Entry("/f", "file", 300_000));
        var data = new byte[150_000];
        new Random(7).NextBytes(data);
        var frame = new byte[9 + data.Length];
        frame[0] = (byte)'d';
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(1), q.Channel);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(5), (uint)data.Length);
        data.CopyTo(frame, 9);
        await s.SendRawAsync(frame[..70_000]);
        await Task.Delay(50);
        await s.SendRawAsync(frame[70_000..]);
        foreach (var b in frame) await s.SendRawAsync([b]);
        await s.SendJsonAsync('e', q.Channel, new { bytes = 300_000 });
        await using var d = await read.WaitAsync(Bound);
        var all = new MemoryStream();
        await d.Content.CopyToAsync(all);
        Assert.Equal(data.Concat(data), all.ToArray());
    }

    [Fact]
    public async Task A_file_write_sends_no_more_than_the_runner_granted_and_ends_with_its_entry()
    {
        await using var s = await ReadyRunner(Quick with { ChunkBytes = 1000 });
        var content = new MemoryStream(new byte[5000]);
        var write = s.Connection.WriteFileAsync("/data/f", 0x1A4, content);
        var q = await s.NextRequestAsync();
        Assert.Equal(("write", 0x1A4), (q.Op, q.Json.GetProperty("mode").GetInt32()));
        await s.SendAsync('c', q.Channel, ScriptedRunner.U32(2500));
        long sent = 0;
        while (sent < 2500)
        {
            var d = await s.NextAsync();
            Assert.Equal('D', d.Type);
            sent += d.Payload.Length;
        }
        Assert.Equal(2500, sent);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.NextAsync(TimeSpan.FromMilliseconds(300)));   // no more without credit
        await s.SendAsync('c', q.Channel, ScriptedRunner.U32(10_000));
        while (true)
        {
            var d = await s.NextAsync();
            if (d.Type == 'E') break;
            sent += d.Payload.Length;
        }
        Assert.Equal(5000, sent);
        await s.SendAsync('k', q.Channel, Entry("/data/f", "file", 5000));
        Assert.Equal(5000, (await write.WaitAsync(Bound)).Size);
    }

    [Fact]
    public async Task An_answer_to_a_write_before_its_end_is_a_violation()
    {
        await using var s = await ReadyRunner();
        var write = s.Connection.WriteFileAsync("/f", null, new MemoryStream(new byte[10]));
        var q = await s.NextRequestAsync();
        await s.SendAsync('k', q.Channel, Entry("/f", "file", 0));
        Assert.Contains("an answer before the file was complete", (await EndsWithin(s.Connection)).Reason);
        await Assert.ThrowsAnyAsync<Exception>(() => write.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_cancelled_read_takes_what_was_in_flight_and_the_runner_s_cancellation()
    {
        await using var s = await ReadyRunner();
        using var cts = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            await foreach (var r in s.Connection.ReadOutputAsync(5, 0, follow: true, cts.Token)) { }
        });
        var q = await s.NextRequestAsync();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(Bound));
        var cancel = await s.NextRequestAsync();
        Assert.Equal(('Z', q.Channel), (cancel.Type, cancel.Channel));
        await s.SendAsync('o', q.Channel, ScriptedRunner.Output(1, 0, "late"u8.ToArray()));   // crossed the cancel
        await s.SendJsonAsync('x', q.Channel, new { kind = "cancelled", detail = "cancelled by the host" });
        var ping = s.Connection.PingAsync();
        await s.SendJsonAsync('k', (await s.NextRequestAsync()).Channel, new { });
        await ping.WaitAsync(Bound);
        Assert.False(s.Connection.Ended.IsCompleted);
    }

    [Fact]
    public async Task A_watch_delivers_changes_within_its_credit()
    {
        await using var s = await ReadyRunner(Quick with { StreamWindowBytes = 400 });
        var watching = s.Connection.WatchAsync("/data", recursive: true);
        var q = await s.NextRequestAsync();
        Assert.Equal(100, q.Json.GetProperty("credit").GetInt32());
        await s.SendJsonAsync('h', q.Channel, new { });
        await using var watch = await watching.WaitAsync(Bound);
        await s.SendJsonAsync('w', q.Channel, new { type = "created", path = "/data/a" });
        await using var e = watch.GetAsyncEnumerator();
        Assert.True(await e.MoveNextAsync());
        Assert.Equal(new FileChange(FileChangeKind.Created, "/data/a"), e.Current);
        await s.SendJsonAsync('w', q.Channel, new { type = "exploded", path = "/data/a" });
        Assert.Contains("a change of unknown type 'exploded'", (await EndsWithin(s.Connection)).Reason);
    }

    [Fact]
    public async Task Seeded_random_frames_always_end_the_connection_with_a_reason_within_the_bound() =>
        await FuzzSeed.RunAsync(output, async random =>
        {
            var kinds = "rkxhdecogzlw"u8.ToArray();
            for (var round = 0; round < 300; round++)
            {
                await using var s = await ReadyRunner();
                var pending = s.Connection.PingAsync();
                var bytes = new List<byte>();
                for (var i = 0; i < random.Next(1, 6); i++)
                {
                    var type = random.Next(4) == 0 ? (byte)random.Next(256) : kinds[random.Next(kinds.Length)];
                    var channel = random.Next(4) switch
                    {
                        0 => 0u,
                        1 => (uint)random.Next(1, 20),
                        2 => 0x8000_0001u + (uint)random.Next(3),
                        _ => (uint)random.NextInt64(0, uint.MaxValue),
                    };
                    var length = random.Next(8) == 0 ? (uint)random.NextInt64(0, uint.MaxValue) : (uint)random.Next(0, 300);
                    var frame = new byte[9 + Math.Min(length, 300)];
                    frame[0] = type;
                    BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(1), channel);
                    BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(5), length);
                    random.NextBytes(frame.AsSpan(9));
                    if (random.Next(3) == 0 && frame.Length > 9) "{\"kind\":\"io\"}"u8.ToArray().AsSpan(0, Math.Min(13, frame.Length - 9)).CopyTo(frame.AsSpan(9));
                    bytes.AddRange(frame);
                }
                if (random.Next(2) == 0) bytes.AddRange(Enumerable.Range(0, random.Next(1, 40)).Select(_ => (byte)random.Next(256)));
                await s.SendRawAsync([.. bytes]);
                await s.CloseAsync();
                var end = await EndsWithin(s.Connection);
                Assert.NotEqual(RunnerEndKind.Disposed, end.Kind);
                Assert.False(string.IsNullOrWhiteSpace(end.Reason));
                // the pending call is answered (a fuzzed frame may happen to be a valid reply) or failed: never left waiting
                await pending.ContinueWith(_ => { }).WaitAsync(Bound);
            }
        });
}
