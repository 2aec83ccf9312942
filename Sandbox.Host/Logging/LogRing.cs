using System.Threading.Channels;

namespace Sandbox.Host.Logging;

/// <summary>
/// The last lines of a log, in memory, for <c>sandboxctl logs peek</c> and <c>audit peek</c>, and a
/// feed of new lines for their <c>tail</c>. A bounded ring: old lines fall off, and a slow tail reader
/// loses its oldest unread lines rather than holding memory or the logger. The process's rings are
/// in <see cref="LogRings"/>.
/// </summary>
public sealed class LogRing(int capacity)
{
    private const int TailBacklog = 1000;

    private readonly object _gate = new();
    private readonly Queue<LogLine> _lines = new();
    private readonly List<ChannelWriter<LogLine>> _tails = [];
    private long _seq;

    public int Capacity { get; } = Math.Max(1, capacity);

    public void Add(DateTime time, string level, string logger, string text)
    {
        lock (_gate)
        {
            var line = new LogLine(++_seq, time, level, logger, text);
            _lines.Enqueue(line);
            while (_lines.Count > Capacity) _lines.Dequeue();
            foreach (var t in _tails) t.TryWrite(line);
        }
    }

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public IReadOnlyList<LogLine> Peek(int count)
    {
        lock (_gate) return _lines.Skip(Math.Max(0, _lines.Count - count)).ToList();
    }

    /// <summary>Every line written from now on, until the returned subscription is disposed.</summary>
    public (ChannelReader<LogLine> Lines, IDisposable Subscription) Tail()
    {
        var channel = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(TailBacklog) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate) _tails.Add(channel.Writer);
        return (channel.Reader, new Unsubscribe(this, channel.Writer));
    }

    private sealed class Unsubscribe(LogRing ring, ChannelWriter<LogLine> writer) : IDisposable
    {
        public void Dispose()
        {
            lock (ring._gate) ring._tails.Remove(writer);
            writer.TryComplete();
        }
    }
}
