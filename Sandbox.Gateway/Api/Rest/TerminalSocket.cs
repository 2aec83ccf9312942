using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// <c>WS /v1/sandboxes/{id}/processes/{pid}/attach?offset=N</c> (API-v1.md §4): binary frames in are
/// stdin, binary frames out are output from the offset, a text frame
/// <c>{"type":"resize","cols","rows"}</c> resizes, and after the exit the server's last text frame is
/// <c>{"type":"exit","exit_code"}</c> and it closes with 1000. Errors before the upgrade are problems;
/// after it, a text frame <c>{"type":"error","detail"}</c> (the terminal stays open for a bad frame).
/// Leaving lets go of the terminal; the process runs on.
/// </summary>
public static class TerminalSocket
{
    public static async Task<IResult> RunAsync(HttpContext http, string id, string pid)
    {
        if (!http.WebSockets.IsWebSocketRequest)
            return ApiProblem.BadRequest("This route is a WebSocket: connect with a WebSocket client (ws://…/attach), or read …/output over HTTP.");
        var (offset, p) = Query.Long(http, "offset", 0, 0, long.MaxValue);
        if (p is not null) return p;
        var r = await V1Results.Facade(http).AttachTerminalAsync(V1Callers.Of(http), id, pid, offset, http.RequestAborted);
        if (!r.Ok) return ApiProblem.From(r.Error);
        await using var terminal = r.Value;
        var maxMessage = http.RequestServices.GetService<SandboxGateway>()?.Options.MaxMessageBytes ?? 1024 * 1024;
        using var ws = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var sendLock = new SemaphoreSlim(1, 1);
        var output = PumpOutputAsync(ws, terminal, sendLock, stop.Token);
        var input = PumpInputAsync(ws, terminal, sendLock, maxMessage, stop.Token);
        var first = await Task.WhenAny(output, input);
        // after the exit the client answers the close; give it a moment before the socket is cut
        if (first == output) await Task.WhenAny(input, Task.Delay(TimeSpan.FromSeconds(2)));
        await stop.CancelAsync();
        try { await Task.WhenAll(output, input); } catch (Exception) { /* either side ending ends the terminal */ }
        return Results.Empty;
    }

    private static async Task PumpOutputAsync(WebSocket ws, ITerminalAttachment terminal, SemaphoreSlim sendLock, CancellationToken ct)
    {
        await foreach (var rec in terminal.Output.WithCancellation(ct))
        {
            switch (rec.Stream)
            {
                case "exit":
                    await SendTextAsync(ws, sendLock, new { type = "exit", exit_code = rec.ExitCode, signal = rec.Signal }, ct);
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                    return;
                case "gap":
                    await SendTextAsync(ws, sendLock, new { type = "gap", offset = rec.Offset, dropped_bytes = rec.DroppedBytes }, ct);
                    break;
                default:
                    if (rec.Bytes is { Length: > 0 } bytes)
                    {
                        await sendLock.WaitAsync(ct);
                        try { await ws.SendAsync(bytes, WebSocketMessageType.Binary, true, ct); }
                        finally { sendLock.Release(); }
                    }
                    break;
            }
        }
    }

    private static async Task PumpInputAsync(WebSocket ws, ITerminalAttachment terminal, SemaphoreSlim sendLock, int maxMessage, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var text = new MemoryStream();
        while (ws.State == WebSocketState.Open)
        {
            var m = await ws.ReceiveAsync(buffer, ct);
            if (m.MessageType == WebSocketMessageType.Close) return;
            if (m.MessageType == WebSocketMessageType.Binary)
            {
                // stdin goes frame by frame (a large message arrives in pieces; each is written as it comes)
                var w = await terminal.WriteAsync(buffer.AsMemory(0, m.Count), ct);
                if (!w.Ok) await SendTextAsync(ws, sendLock, new { type = "error", detail = w.Error.Detail }, ct);
                continue;
            }
            text.Write(buffer, 0, m.Count);
            if (text.Length > maxMessage)
            {
                await ws.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, $"text frames are limited to {maxMessage} bytes", ct);
                return;
            }
            if (!m.EndOfMessage) continue;
            var frame = text.ToArray();
            text.SetLength(0);
            if (ParseResize(frame) is not { } size)
            {
                await SendTextAsync(ws, sendLock, new { type = "error", detail = "Text frames are {\"type\":\"resize\",\"cols\":N,\"rows\":N}; send stdin as binary frames." }, ct);
                continue;
            }
            var r = await terminal.ResizeAsync(size.Cols, size.Rows, ct);
            if (!r.Ok) await SendTextAsync(ws, sendLock, new { type = "error", detail = r.Error.Detail }, ct);
        }
    }

    private static TerminalSize? ParseResize(byte[] frame)
    {
        try
        {
            using var doc = JsonDocument.Parse(frame);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) && t.ValueEquals("resize")
                && root.TryGetProperty("cols", out var c) && c.TryGetInt32(out var cols)
                && root.TryGetProperty("rows", out var r) && r.TryGetInt32(out var rows))
                return new TerminalSize(cols, rows);
        }
        catch (JsonException) { }
        return null;
    }

    private static async Task SendTextAsync(WebSocket ws, SemaphoreSlim sendLock, object message, CancellationToken ct)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, V1Json.Options);
        await sendLock.WaitAsync(ct);
        try { await ws.SendAsync(bytes, WebSocketMessageType.Text, true, ct); }
        finally { sendLock.Release(); }
    }
}
