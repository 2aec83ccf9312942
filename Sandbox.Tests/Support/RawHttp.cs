using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Sandbox.Tests.Support;

/// <summary>HTTP/1.1 written byte by byte over a socket: for requests no well-behaved client sends
/// (bad request lines, raw bytes in the target, slow trickles).</summary>
public static class RawHttp
{
    public sealed record Response(int Status, string Head, string Body, TimeSpan Elapsed);

    /// <summary>Sends the request and reads until the server closes; Status is 0 if it closed without answering.</summary>
    public static async Task<Response> SendAsync(int port, byte[] request, TimeSpan timeout)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var sw = Stopwatch.StartNew();
        var stream = tcp.GetStream();
        using var cts = new CancellationTokenSource(timeout);
        try { await stream.WriteAsync(request, cts.Token); }
        catch (IOException) { /* the server may answer and close before reading everything */ }
        return await ReadToCloseAsync(stream, sw, cts.Token);
    }

    public static Task<Response> SendAsync(int port, string request, TimeSpan timeout) =>
        SendAsync(port, Encoding.Latin1.GetBytes(request), timeout);

    /// <summary>Writes <paramref name="head"/> at once, then <paramref name="trickle"/> one byte per
    /// <paramref name="every"/>, until the server closes the connection or the bound is reached.</summary>
    public static async Task<Response> TrickleAsync(int port, string head, string trickle, TimeSpan every, TimeSpan bound)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var sw = Stopwatch.StartNew();
        var stream = tcp.GetStream();
        using var cts = new CancellationTokenSource(bound);
        var reading = ReadToCloseAsync(stream, sw, cts.Token);
        try
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(head), cts.Token);
            foreach (var b in Encoding.Latin1.GetBytes(trickle))
            {
                if (reading.IsCompleted) break;
                await Task.Delay(every, cts.Token);
                await stream.WriteAsync(new[] { b }, cts.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException) { /* cut by the server, or out of time */ }
        return await reading;
    }

    private static async Task<Response> ReadToCloseAsync(NetworkStream stream, Stopwatch sw, CancellationToken ct)
    {
        var ms = new MemoryStream();
        var buf = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buf, ct)) > 0) ms.Write(buf, 0, n);
        }
        catch (IOException) { /* reset after the answer */ }
        catch (OperationCanceledException) { return new Response(-1, "", "(still open at the time bound)", sw.Elapsed); }
        var text = Encoding.UTF8.GetString(ms.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var status = head.StartsWith("HTTP/1.1 ") && int.TryParse(head.AsSpan(9, 3), out var s) ? s : 0;
        return new Response(status, head, split < 0 ? "" : text[(split + 4)..], sw.Elapsed);
    }
}
