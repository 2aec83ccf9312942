using System.Net.WebSockets;
using System.Text;

namespace Sandbox.Gateway.Sessions;

/// <summary>Writes a session's messages as JSON text frames; a Close message closes the socket.</summary>
public sealed class WebSocketChannel(WebSocket socket) : IClientChannel
{
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Frames read and answers queued for this socket, not yet handled or written.</summary>
    public OutboundBacklog Backlog { get; } = new();

    OutboundBacklog? IClientChannel.Backlog => Backlog;

    /// <summary>Completes once the server has sent its close frame.</summary>
    public Task Closed => _closed.Task;

    public async Task SendAsync(ServerMessage message, CancellationToken ct)
    {
        if (message is ServerMessage.Close c)
        {
            try
            {
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    await socket.CloseOutputAsync((WebSocketCloseStatus)c.Code, null, ct);
            }
            finally { _closed.TrySetResult(); }
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(message.ToJson());
        await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, ct);
    }
}
