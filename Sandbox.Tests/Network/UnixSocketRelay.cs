using System.Net;
using System.Net.Sockets;

namespace Sandbox.Tests.Network;

/// <summary>
/// A loopback TCP listener in the test's own namespace whose every connection is relayed to a Unix
/// socket: the way to a server that listens inside a network namespace the test made (no packet
/// crosses a network; the socket is a file both namespaces see). HTTP and WebSocket clients use
/// <see cref="HttpBase"/> and <see cref="WsBase"/> as for any local server.
/// </summary>
public sealed class UnixSocketRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _open = [];

    public UnixSocketRelay(string path)
    {
        _path = path;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public Uri HttpBase => new($"http://127.0.0.1:{Port}");
    public Uri WsBase => new($"ws://127.0.0.1:{Port}");

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try { await upstream.ConnectAsync(new UnixDomainSocketEndPoint(_path), _stop.Token); }
            catch (Exception)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }
            lock (_open) { _open.Add(client); _open.Add(upstream); }
            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // either side went away: the other is closed at dispose
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_open) foreach (var s in _open) s.Dispose();
        return ValueTask.CompletedTask;
    }
}
