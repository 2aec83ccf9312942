using System.Net;
using System.Net.Sockets;

namespace Sandbox.Tests.Support;

/// <summary>A loopback TCP proxy in front of the server whose <see cref="Cut"/> drops every
/// connection at once, as a flaky network or a proxy timeout would.</summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly List<(TcpClient A, TcpClient B)> _pairs = [];
    private readonly CancellationTokenSource _stop = new();

    public TcpProxy(Uri server)
    {
        _target = new IPEndPoint(IPAddress.Loopback, server.Port);
        _listener.Start();
        _ = AcceptLoop();
    }

    public Uri WsBase => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            var upstream = new TcpClient();
            await upstream.ConnectAsync(_target);
            lock (_pairs) _pairs.Add((client, upstream));
            _ = Pump(client.GetStream(), upstream.GetStream());
            _ = Pump(upstream.GetStream(), client.GetStream());
        }
    }

    private volatile bool _frozen;

    /// <summary>Stops forwarding without closing anything: the peer looks alive to TCP but answers nothing.</summary>
    public void Freeze() => _frozen = true;

    private async Task Pump(Stream from, Stream to)
    {
        var buf = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buf)) > 0)
            {
                while (_frozen && !_stop.IsCancellationRequested) await Task.Delay(50);
                await to.WriteAsync(buf.AsMemory(0, n));
            }
        }
        catch (Exception) { /* cut */ }
    }

    /// <summary>Resets every proxied connection, both ways.</summary>
    public void Cut()
    {
        lock (_pairs)
        {
            foreach (var (a, b) in _pairs)
            {
                a.Client.LingerState = new LingerOption(true, 0);   // RST, no orderly close
                b.Client.LingerState = new LingerOption(true, 0);
                a.Close();
                b.Close();
            }
            _pairs.Clear();
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        Cut();
        _listener.Stop();
        return ValueTask.CompletedTask;
    }
}
