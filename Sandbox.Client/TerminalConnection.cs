using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Sandbox.Client;

/// <summary>
/// A terminal on a process (WS …/processes/{pid}/attach): <see cref="ReadAsync"/> gives its output
/// and finally its exit; <c>WriteAsync</c> is stdin; <see cref="ResizeAsync"/> resizes.
/// Disposing lets go of the terminal; the process runs on.
/// </summary>
public sealed class TerminalConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _ws;
    private readonly SemaphoreSlim _send = new(1, 1);

    internal TerminalConnection(ClientWebSocket ws) => _ws = ws;

    public async IAsyncEnumerable<TerminalEvent> ReadAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        var buffer = new byte[64 * 1024];
        var text = new MemoryStream();
        while (_ws.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            var m = await _ws.ReceiveAsync(buffer, ct).ConfigureAwait(false);
            if (m.MessageType == WebSocketMessageType.Close)
            {
                if (_ws.State == WebSocketState.CloseReceived)
                    await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct).ConfigureAwait(false);
                yield break;
            }
            if (m.MessageType == WebSocketMessageType.Binary)
            {
                yield return new TerminalEvent(buffer.AsMemory(0, m.Count).ToArray());
                continue;
            }
            text.Write(buffer, 0, m.Count);
            if (!m.EndOfMessage) continue;
            using var doc = JsonDocument.Parse(text.ToArray());
            text.SetLength(0);
            var r = doc.RootElement;
            var type = r.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type == "exit")
                yield return new TerminalEvent(ReadOnlyMemory<byte>.Empty, true,
                    r.TryGetProperty("exit_code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null,
                    r.TryGetProperty("signal", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null);
            else if (type == "error")
                throw new SandboxException(r.TryGetProperty("detail", out var d) ? d.GetString() ?? "terminal error" : "terminal error");
        }
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> stdin, CancellationToken ct = default)
    {
        await _send.WaitAsync(ct).ConfigureAwait(false);
        try { await _ws.SendAsync(stdin, WebSocketMessageType.Binary, true, ct).ConfigureAwait(false); }
        finally { _send.Release(); }
    }

    public Task WriteAsync(string text, CancellationToken ct = default) => WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct);

    public async Task ResizeAsync(int cols, int rows, CancellationToken ct = default)
    {
        var frame = JsonSerializer.SerializeToUtf8Bytes(new { type = "resize", cols, rows });
        await _send.WaitAsync(ct).ConfigureAwait(false);
        try { await _ws.SendAsync(frame, WebSocketMessageType.Text, true, ct).ConfigureAwait(false); }
        finally { _send.Release(); }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ws.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { /* the server went first */ }
        }
        _ws.Dispose();
        _send.Dispose();
    }
}
