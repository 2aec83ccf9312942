using System.Threading.Channels;
using NLog;
using NLog.Targets;

namespace Sandbox.Host.Logging;

/// <summary>
/// The last log lines of this process, in memory, for <c>sandboxctl logs peek</c>, and a feed of new
/// lines for <c>logs tail</c>. A bounded ring: old lines fall off, a slow tail reader loses its oldest
/// unread lines rather than holding memory or the logger.
/// </summary>
[Target("ring")]
public sealed class LogRingTarget : TargetWithLayout
{
    public const int DefaultCapacity = 2000;

    /// <summary>One per process, as NLog's configuration is.</summary>
    public static LogRingTarget Instance { get; } = new() { Name = "ring" };

    private readonly object _gate = new();
    private readonly Queue<LogLine> _lines = new();
    private readonly List<ChannelWriter<LogLine>> _tails = [];
    private long _seq;

    public int Capacity { get; set; } = DefaultCapacity;

    public LogRingTarget()
    {
        Layout = "${longdate} ${level:uppercase=true:padding=-5} ${logger:shortName=true} ${message}${onexception:inner= ${exception:format=tostring}}";
    }

    protected override void Write(LogEventInfo logEvent)
    {
        var line = new LogLine(0, logEvent.TimeStamp.ToUniversalTime(), logEvent.Level.Name, logEvent.LoggerName ?? "", RenderLogEvent(Layout, logEvent));
        lock (_gate)
        {
            line = line with { Seq = ++_seq };
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
        var channel = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate) _tails.Add(channel.Writer);
        return (channel.Reader, new Unsubscribe(this, channel.Writer));
    }

    private sealed class Unsubscribe(LogRingTarget ring, ChannelWriter<LogLine> writer) : IDisposable
    {
        public void Dispose()
        {
            lock (ring._gate) ring._tails.Remove(writer);
            writer.TryComplete();
        }
    }
}

public sealed record LogLine(long Seq, DateTime Time, string Level, string Logger, string Text);
