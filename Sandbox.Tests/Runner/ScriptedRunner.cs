using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Sandbox.Actors.Runner;

namespace Sandbox.Tests.Runner;

/// <summary>
/// The runner's end of a <see cref="RunnerConnection"/> over in-memory pipes, played by a test:
/// it writes whatever bytes the test wants (valid frames, forged ones, garbage) and reads what
/// the host sends. Named for what it is: a script, not a runner.
/// </summary>
public sealed class ScriptedRunner : IAsyncDisposable
{
    private readonly Pipe _toHost = new(new PipeOptions(pauseWriterThreshold: 0));
    private readonly Pipe _toRunner;

    public RunnerConnection Connection { get; }

    /// <param name="hostPipeLimit">Bytes the host may write before its writes wait for this script to
    /// read them (to play a runner that stops reading its input).</param>
    public ScriptedRunner(RunnerConnectionOptions? options = null, bool restored = false, long hostPipeLimit = 0)
    {
        _toRunner = new Pipe(new PipeOptions(pauseWriterThreshold: hostPipeLimit, resumeWriterThreshold: hostPipeLimit / 2));
        Connection = RunnerConnection.Open(_toHost.Reader.AsStream(), _toRunner.Writer.AsStream(), options, restored);
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _toHost.Writer.WriteAsync(bytes);
    }

    public Task SendAsync(char type, uint channel, byte[] payload) => SendAsync((byte)type, channel, payload);

    public Task SendAsync(byte type, uint channel, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(1), channel);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(5), (uint)payload.Length);
        payload.CopyTo(frame, 9);
        return SendRawAsync(frame);
    }

    public Task SendJsonAsync(char type, uint channel, object value) => SendAsync(type, channel, JsonSerializer.SerializeToUtf8Bytes(value));

    public Task ReadyAsync() => SendJsonAsync('r', 0, new { version = 2, pid = 1 });

    public static byte[] Output(byte stream, long offset, byte[] data)
    {
        var p = new byte[9 + data.Length];
        p[0] = stream;
        BinaryPrimitives.WriteUInt64LittleEndian(p.AsSpan(1), (ulong)offset);
        data.CopyTo(p, 9);
        return p;
    }

    public static byte[] U32(uint n)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, n);
        return b;
    }

    /// <summary>The host's next frame (type, channel, payload), within <paramref name="timeout"/>.</summary>
    public async Task<HostFrame> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var result = await _toRunner.Reader.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            if (buffer.Length >= 9)
            {
                var header = buffer.Slice(0, 9).ToArray();
                var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(5));
                if (buffer.Length >= 9 + length)
                {
                    var payload = buffer.Slice(9, length).ToArray();
                    _toRunner.Reader.AdvanceTo(buffer.GetPosition(9 + length));
                    return new HostFrame((char)header[0], BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(1)), payload);
                }
            }
            if (result.IsCompleted) throw new EndOfStreamException("the host closed its side");
            _toRunner.Reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The next host frame that is not a credit (credit comes whenever the host likes).</summary>
    public async Task<HostFrame> NextRequestAsync()
    {
        while (true)
        {
            var f = await NextAsync();
            if (f.Type != 'C') return f;
        }
    }

    /// <summary>Ends the runner's output (as a sandbox that is gone).</summary>
    public Task CloseAsync() => _toHost.Writer.CompleteAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await _toHost.Writer.CompleteAsync();
        await _toRunner.Reader.CompleteAsync();
    }

    public sealed record HostFrame(char Type, uint Channel, byte[] Payload)
    {
        public JsonElement Json => JsonDocument.Parse(Payload).RootElement;
        public string Op => Json.GetProperty("op").GetString()!;
        public override string ToString() => $"{Type} 0x{Channel:X8} {Encoding.UTF8.GetString(Payload)}";
    }
}
