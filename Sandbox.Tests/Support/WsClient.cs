using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Sandbox.Tests.Support;

/// <summary>A protocol client as the reference clients behave: JSON text frames both ways.</summary>
public sealed class WsClient : IAsyncDisposable
{
    public ClientWebSocket Socket { get; }
    private readonly byte[] _buf = new byte[256 * 1024];

    private WsClient(ClientWebSocket? socket = null) => Socket = socket ?? new ClientWebSocket();

    /// <summary>Connects with options set first (headers such as an API key).</summary>
    public static async Task<WsClient> ConnectAsync(Uri uri, Action<ClientWebSocketOptions> configure)
    {
        var c = new WsClient();
        configure(c.Socket.Options);
        await c.Socket.ConnectAsync(uri, CancellationToken.None);
        return c;
    }

    public static async Task<WsClient> ConnectAsync(Uri uri)
    {
        var c = new WsClient();
        await c.Socket.ConnectAsync(uri, CancellationToken.None);
        return c;
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next JSON event, or null when the server closed the connection.</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var ms = new MemoryStream();
        while (true)
        {
            var r = await Socket.ReceiveAsync(_buf, cts.Token);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            ms.Write(_buf, 0, r.Count);
            if (r.EndOfMessage) break;
        }
        using var doc = JsonDocument.Parse(ms.ToArray());
        return doc.RootElement.Clone();
    }

    /// <summary>Reads events until the server closes; returns them as compact strings ("status:X", "stdout:…", "error:…").</summary>
    public async Task<List<string>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var all = new List<string>();
        while (await ReceiveAsync(timeout) is { } e) all.Add(Describe(e));
        return all;
    }

    /// <summary>Reads events until one matches, returning all of them (the match last).</summary>
    public async Task<List<string>> ReadUntilAsync(Func<string, bool> stop, TimeSpan? timeout = null)
    {
        var all = new List<string>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            var e = await ReceiveAsync(deadline - DateTime.UtcNow) ?? throw new InvalidOperationException("closed after: " + string.Join(" | ", all));
            var d = Describe(e);
            all.Add(d);
            if (stop(d)) return all;
        }
        throw new TimeoutException("no match after: " + string.Join(" | ", all));
    }

    public static string Describe(JsonElement e) => e.GetProperty("event").GetString() switch
    {
        "status_update" => "status:" + e.GetProperty("status").GetString(),
        "stdout" => "stdout:" + e.GetProperty("data").GetString(),
        "stderr" => "stderr:" + e.GetProperty("data").GetString(),
        "error" => "error:" + e.GetProperty("message").GetString(),
        "sandbox_id" => "sandbox_id:" + e.GetProperty("sandbox_id").GetString() + ":" + e.GetProperty("sandbox_token").GetString(),
        var other => other + ":" + e.GetRawText(),
    };

    public int? CloseStatus => (int?)Socket.CloseStatus;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Socket.State == WebSocketState.Open)
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, new CancellationTokenSource(2000).Token);
        }
        catch (Exception) { }
        Socket.Dispose();
    }
}
