using System.Buffers.Binary;

namespace Sandbox.Actors.Runner;

/// <summary>
/// Reads the runner's output and cuts it into frames, with async reads (no thread is held while
/// the runner is quiet). Nothing here trusts the stream: a header is judged as soon as its nine
/// bytes are in (unknown type, or a length over the limit, ends the connection before anything is
/// allocated for it), and a frame that has begun must be complete within a bound.
/// </summary>
internal sealed class RunnerInbound(Stream from, RunnerConnectionOptions options)
{
    public delegate void FrameHandler(RunnerFrameType type, uint channel, byte[] payload);

    /// <summary>Reads until the stream ends or breaks the protocol; returns how it ended. Exceptions
    /// the handler throws (a <see cref="RunnerProtocolException"/> for a bad frame) end it too.</summary>
    public async Task<RunnerEnd> RunAsync(FrameHandler onFrame, CancellationToken stop)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                var used = 0;
                while (filled - used >= RunnerFrame.HeaderSize)
                {
                    var type = buffer[used];
                    var channel = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(used + 1));
                    var length = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(used + 5));
                    if (!RunnerFrame.IsInbound(type))
                        return Violation($"the sandbox runner sent a frame of unknown type {RunnerFrame.Describe(type)}");
                    if (length > options.MaxPayloadBytes)
                        return Violation($"the sandbox runner sent a frame claiming {length} bytes, over the limit of {options.MaxPayloadBytes}");
                    var size = RunnerFrame.HeaderSize + (int)length;
                    if (filled - used < size)
                    {
                        if (size > buffer.Length)
                        {
                            var bigger = new byte[Math.Max(size, buffer.Length * 2)];
                            Buffer.BlockCopy(buffer, used, bigger, 0, filled - used);
                            filled -= used;
                            used = 0;
                            buffer = bigger;
                        }
                        break;
                    }
                    var payload = buffer.AsSpan(used + RunnerFrame.HeaderSize, (int)length).ToArray();
                    used += size;
                    onFrame((RunnerFrameType)type, channel, payload);
                }
                if (used > 0)
                {
                    Buffer.BlockCopy(buffer, used, buffer, 0, filled - used);
                    filled -= used;
                }
                if (buffer.Length > 64 * 1024 && PendingFrameSize(buffer, filled) <= 64 * 1024)
                {
                    var smaller = new byte[64 * 1024];   // a big frame passed; do not keep its buffer
                    Buffer.BlockCopy(buffer, 0, smaller, 0, filled);
                    buffer = smaller;
                }
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);   // never a read of nothing
                int n;
                if (filled == 0)
                {
                    n = await from.ReadAsync(buffer.AsMemory(filled), stop);
                }
                else
                {
                    // a frame has begun: the rest must follow within the bound
                    using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    bounded.CancelAfter(options.FrameCompletionTimeout);
                    try
                    {
                        n = await from.ReadAsync(buffer.AsMemory(filled), bounded.Token);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        return Violation($"the sandbox runner began a frame and did not finish it within {options.FrameCompletionTimeout.TotalSeconds:0.#} s");
                    }
                }
                if (n == 0)
                {
                    return filled == 0
                        ? new RunnerEnd(RunnerEndKind.Closed, "the sandbox runner's output ended")
                        : Violation($"the sandbox runner's output ended in the middle of a frame ({filled} bytes of it)");
                }
                filled += n;
            }
        }
        catch (RunnerProtocolException e)
        {
            return Violation(e.Message);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return new RunnerEnd(RunnerEndKind.Disposed, "the host closed the connection to the sandbox runner");
        }
        catch (IOException e)
        {
            return new RunnerEnd(RunnerEndKind.Closed, $"the sandbox runner's output broke: {e.Message}");
        }
        catch (ObjectDisposedException)
        {
            return new RunnerEnd(RunnerEndKind.Closed, "the sandbox runner's output was closed");
        }
        catch (Exception e)
        {
            // whatever it was, the connection must end (and say so) rather than stop reading silently
            return Violation($"the sandbox runner's stream could not be handled: {e.GetType().Name}: {e.Message}");
        }
    }

    private static RunnerEnd Violation(string reason) => new(RunnerEndKind.Violation, reason);

    /// <summary>The size of the frame that begins the buffer (what is in, while its header is not).</summary>
    private static long PendingFrameSize(byte[] buffer, int filled) =>
        filled < RunnerFrame.HeaderSize ? filled : RunnerFrame.HeaderSize + (long)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(5));
}
