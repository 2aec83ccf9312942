namespace Sandbox.Actors.Runner;

/// <summary>The read-only stream of a <see cref="RunnerFileDownload"/>.</summary>
internal sealed class RunnerDownloadStream(RunnerConnection connection, FileReadRequest request) : Stream
{
    private byte[]? _current;
    private int _position;
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.Length == 0) return 0;
        while (_current is null || _position == _current.Length)
        {
            if (_current is not null)
            {
                connection.ReturnCredit(request.ChannelId, request.Credit, _current.Length);
                request.Expect();
            }
            _current = null;
            if (!await request.Data.WaitToReadAsync(ct)) return 0;   // throws what ended the read badly
            if (!request.Data.TryRead(out _current)) continue;
            _position = 0;
        }
        var n = Math.Min(buffer.Length, _current.Length - _position);
        _current.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        _read += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !request.Ended) request.Cancel();
        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
