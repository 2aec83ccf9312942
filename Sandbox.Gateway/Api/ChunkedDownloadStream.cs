namespace Sandbox.Gateway.Api;

/// <summary>
/// A read-only stream over a download that arrives chunk by chunk: the next chunk is asked for only
/// when the reader has taken the current one, so the sandbox sends no further ahead than the socket
/// drains. Disposing it early lets the sandbox end its side of the read.
/// </summary>
public sealed class ChunkedDownloadStream(byte[] first, bool firstIsLast, Func<long, CancellationToken, Task<(byte[] Data, bool Last)>> next, Action giveUp)
    : Stream
{
    private byte[] _chunk = first;
    private int _position;
    private bool _last = firstIsLast;
    private long _nextIndex = 1;
    private bool _disposed;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        // bounded: every round either hands out bytes, ends, or fetches one more chunk of a finite file
        while (_position == _chunk.Length)
        {
            if (_last) return 0;
            (_chunk, _last) = await next(_nextIndex++, ct);
            _position = 0;
        }
        var n = Math.Min(buffer.Length, _chunk.Length - _position);
        _chunk.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && !(_last && _position == _chunk.Length)) giveUp();
        _disposed = true;
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
