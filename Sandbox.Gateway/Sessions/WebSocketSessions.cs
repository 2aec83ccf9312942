using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Akka.Actor;
using Microsoft.AspNetCore.Http;

namespace Sandbox.Gateway.Sessions;

/// <summary>Runs one WebSocket connection: a session actor plus the loop that reads client frames.</summary>
public static class WebSocketSessions
{
    public static async Task RunAsync(HttpContext ctx, SandboxGateway gateway, SessionMode mode)
    {
        using var socket = await ctx.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = gateway.Options.KeepAliveInterval,
            KeepAliveTimeout = gateway.Options.KeepAliveTimeout,
        });
        var channel = new WebSocketChannel(socket);
        var session = gateway.System.ActorOf(SessionActor.PropsFor(gateway, mode, channel, ctx.Connection.RemoteIpAddress?.ToString()));
        try
        {
            var receiving = ReceiveLoop(socket, session, gateway.Options.MaxMessageBytes, channel, ctx.RequestAborted);
            var sessionGone = session.WatchAsync();
            var first = await Task.WhenAny(receiving, gateway.System.WhenTerminated, sessionGone);
            if (first == sessionGone && socket.State != WebSocketState.Open)
            {
                // the session ended after sending its close: wait for the client's close as before
                first = await Task.WhenAny(receiving, gateway.System.WhenTerminated);
            }
            if (first != receiving && socket.State == WebSocketState.Open)
            {
                // the node is gone without a word from the sandbox, or the session ended without closing
                // (its writer failed): tell the client rather than leave it talking to nobody
                var status = first == sessionGone ? WebSocketCloseStatus.InternalServerError : WebSocketCloseStatus.EndpointUnavailable;
                try { await socket.CloseOutputAsync(status, null, CancellationToken.None); }
                catch (Exception) { /* already broken */ }
            }
        }
        finally
        {
            session.Tell(ClientConnection.Disconnected.Instance);
        }
        // The client may still be reading our last frames and close: give the close handshake a moment.
        await Task.WhenAny(channel.Closed, Task.Delay(TimeSpan.FromSeconds(2)));
    }

    private static async Task ReceiveLoop(WebSocket socket, IActorRef session, int maxBytes, WebSocketChannel channel, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var message = new MemoryStream();
        try
        {
            while (socket.State is WebSocketState.Open)
            {
                ValueWebSocketReceiveResult r;
                try
                {
                    // answers pile up faster than the client reads them: stop reading until they drain
                    await channel.Backlog.WhenRoomAsync(ct);
                    r = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                }
                catch (Exception) { return; }   // reset, keepalive timeout, or server shutdown: a detach
                if (r.MessageType == WebSocketMessageType.Close) return;
                if (message.Length + r.Count > maxBytes)
                {
                    // the session reports it (it alone writes to the socket) and closes with 1009
                    session.Tell(new ClientConnection.TooBig(maxBytes));
                    await Task.WhenAny(channel.Closed, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
                    return;
                }
                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage) continue;
                var text = r.MessageType == WebSocketMessageType.Text
                    ? Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length)
                    : null;
                message.SetLength(0);
                channel.Backlog.Queued();   // until the session has handled it
                session.Tell(new ClientConnection.Frame(text));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
