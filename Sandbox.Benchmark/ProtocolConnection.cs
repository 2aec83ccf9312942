using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Sandbox.Benchmark;

/// <summary>One JSON message from the server (PROTOCOL.md §2.1), flattened to the fields the benchmark reads.</summary>
public sealed record ServerEvent(string Kind, string? Status = null, string? Data = null, string? Message = null, string? SandboxId = null, string? SandboxToken = null)
{
    public bool IsStatus(string status) => Kind == "status_update" && Status == status;

    public static ServerEvent Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8.ToArray());
            var root = doc.RootElement;
            string? Field(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return new ServerEvent(Field("event") ?? "unknown:" + root.GetRawText(), Field("status"), Field("data"), Field("message"), Field("sandbox_id"), Field("sandbox_token"));
        }
        catch (JsonException)
        {
            // a server bug, not a benchmark crash: surface it as an event the flows will reject
            return new ServerEvent("invalid-json:" + Encoding.UTF8.GetString(utf8));
        }
    }

    public override string ToString() => Kind switch
    {
        "status_update" => Status ?? "status_update(no status)",
        "stdout" or "stderr" => $"{Kind}:{Quote(Data)}",
        "error" => $"error:{Message}",
        "sandbox_id" => $"sandbox_id:{SandboxId}",
        _ => Kind,
    };

    public static string Quote(string? text) => text is null ? "null" : JsonSerializer.Serialize(text);
}

/// <summary>The connection ended (server close or transport failure) while an event was awaited.</summary>
public sealed class ConnectionClosedException(string message) : Exception(message);

/// <summary>
/// A WebSocket to the server with a background reader. The reader keeps receiving even while no
/// operation waits for an event, because .NET answers the server's keep-alive pings only inside
/// ReceiveAsync: an idle benchmark socket would otherwise be dropped after the server's ping timeout.
/// </summary>
public sealed class ProtocolConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<ServerEvent> _inbox = Channel.CreateUnbounded<ServerEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stopReading = new();
    private Task _reader = Task.CompletedTask;

    private ProtocolConnection(ClientWebSocket socket) => _socket = socket;

    public bool IsOpen => _socket.State == WebSocketState.Open;

    public static async Task<ProtocolConnection> OpenAsync(Uri uri, CancellationToken cancellation)
    {
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(uri, cancellation);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new ProtocolConnection(socket);
        connection._reader = Task.Run(connection.ReadLoopAsync);
        return connection;
    }

    public Task SendAsync(object message, CancellationToken cancellation) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, cancellation);

    /// <summary>The next event; throws <see cref="ConnectionClosedException"/> once the connection has ended.</summary>
    public async Task<ServerEvent> NextAsync(CancellationToken cancellation)
    {
        try
        {
            return await _inbox.Reader.ReadAsync(cancellation);
        }
        catch (ChannelClosedException e)
        {
            throw e.InnerException as ConnectionClosedException ?? new ConnectionClosedException("connection ended");
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveAsync(buffer, _stopReading.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    _inbox.Writer.TryComplete(new ConnectionClosedException($"server closed the connection ({(int?)_socket.CloseStatus} {_socket.CloseStatusDescription})".TrimEnd()));
                    return;
                }
                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage) continue;
                _inbox.Writer.TryWrite(ServerEvent.Parse(message.GetBuffer().AsSpan(0, (int)message.Length)));
                message.SetLength(0);
            }
        }
        catch (Exception e)
        {
            _inbox.Writer.TryComplete(new ConnectionClosedException("connection lost: " + e.Message));
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var closeLimit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, closeLimit.Token);
        }
        catch (Exception)
        {
            // the server may already be gone; disposal must not fail a measurement
        }
        _stopReading.Cancel();
        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            // the reader ends with the socket below
        }
        _socket.Dispose();
        _stopReading.Dispose();
    }
}
