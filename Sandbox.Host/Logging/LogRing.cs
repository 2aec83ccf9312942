using System.Threading.Channels;

namespace Sandbox.Host.Logging;

/// <summary>
/// The last log lines of this process, in memory, for <c>sandboxctl logs peek</c>, and a feed of new
/// lines for <c>logs tail</c>. A bounded ring: old lines fall off, and a slow tail reader loses its
/// oldest unread lines rather than holding memory or the logger.
/// </summary>
public static class LogRing
{
    public const int Capacity = 2000;

    private static readonly object Gate = new();
    private static readonly Queue<LogLine> Lines = new();
    private static readonly List<ChannelWriter<LogLine>> Tails = [];
    private static long _seq;

    public static void Add(DateTime time, string level, string logger, string text)
    {
        lock (Gate)
        {
            var line = new LogLine(++_seq, time, level, logger, text);
            Lines.Enqueue(line);
            while (Lines.Count > Capacity) Lines.Dequeue();
            foreach (var t in Tails) t.TryWrite(line);
        }
    }

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public static IReadOnlyList<LogLine> Peek(int count)
    {
        lock (Gate) return Lines.Skip(Math.Max(0, Lines.Count - count)).ToList();
    }

    /// <summary>Every line written from now on, until the returned subscription is disposed.</summary>
    public static (ChannelReader<LogLine> Lines, IDisposable Subscription) Tail()
    {
        var channel = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (Gate) Tails.Add(channel.Writer);
        return (channel.Reader, new Unsubscribe(channel.Writer));
    }

    private sealed class Unsubscribe(ChannelWriter<LogLine> writer) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate) Tails.Remove(writer);
            writer.TryComplete();
        }
    }
}

public sealed record LogLine(long Seq, DateTime Time, string Level, string Logger, string Text);
