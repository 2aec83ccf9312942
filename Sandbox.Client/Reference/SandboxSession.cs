using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Sandbox.Client.Reference;

/// <summary>
/// A sandbox over the reference WebSocket protocol (PROTOCOL.md): one execution at a time with its
/// output as an async stream, stdin, kill_process, kill_sandbox, checkpoint and filesystem snapshots.
/// With <see cref="SessionOptions.AutoReconnect"/>, a dropped socket is re-attached
/// (<c>/attach/{id}</c>) and a running execution's output is replayed by <c>{"action":"reconnect"}</c>.
/// </summary>
public sealed class SandboxSession : IAsyncDisposable
{
    private readonly SandboxClient _client;
    private readonly bool _autoReconnect;
    private readonly Channel<(string Status, string? Message)> _control = Channel.CreateUnbounded<(string, string?)>();
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private ClientWebSocket _ws;
    private Task _reader = Task.CompletedTask;
    private SessionExecution? _current;
    private volatile bool _expectClose;
    private volatile bool _reconnectAllowed = true;
    /// <summary>Who the next <c>error</c> event belongs to: the execution, or the control stream.</summary>
    private bool _errorForExecution;

    private SandboxSession(SandboxClient client, ClientWebSocket ws, string id, string token, bool autoReconnect)
    {
        _client = client;
        _ws = ws;
        SandboxId = id;
        SandboxToken = token;
        _autoReconnect = autoReconnect;
    }

    public string SandboxId { get; }
    public string SandboxToken { get; }
    /// <summary>How often this session re-attached after a dropped socket.</summary>
    public int Reconnects { get; private set; }
    public bool IsClosed => _reader.IsCompleted;

    internal static async Task<SandboxSession> CreateAsync(SandboxClient client, SessionOptions o, CancellationToken ct)
    {
        var ws = await ConnectAsync(client, "/create", ct).ConfigureAwait(false);
        try
        {
            var init = new Dictionary<string, object?>
            {
                ["idle_timeout"] = o.IdleTimeout,
                ["enable_checkpoint"] = o.EnableCheckpoint,
                ["enable_idle_timeout_auto_checkpoint"] = o.EnableIdleTimeoutAutoCheckpoint,
                ["enable_sandbox_handoff"] = o.EnableSandboxHandoff,
            };
            if (o.FilesystemSnapshotName is { } snap) init["filesystem_snapshot_name"] = snap;
            await ws.SendAsync(JsonSerializer.SerializeToUtf8Bytes(init), WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
            string? id = null, token = null;
            await HandshakeAsync(ws, e =>
            {
                if (e.GetProperty("event").GetString() == "sandbox_id")
                {
                    id = e.GetProperty("sandbox_id").GetString();
                    token = e.GetProperty("sandbox_token").GetString();
                }
            }, ct).ConfigureAwait(false);
            if (id is null || token is null) throw new SandboxSessionException("SANDBOX_RUNNING", "the server sent SANDBOX_RUNNING without the sandbox_id event");
            var s = new SandboxSession(client, ws, id, token, o.AutoReconnect);
            s.Start();
            return s;
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    internal static async Task<SandboxSession> AttachAsync(SandboxClient client, string id, string token, bool autoReconnect, CancellationToken ct)
    {
        var ws = await AttachSocketAsync(client, id, token, ct).ConfigureAwait(false);
        var s = new SandboxSession(client, ws, id, token, autoReconnect);
        s.Start();
        return s;
    }

    private static async Task<ClientWebSocket> AttachSocketAsync(SandboxClient client, string id, string token, CancellationToken ct)
    {
        var ws = await ConnectAsync(client, $"/attach/{Uri.EscapeDataString(id)}?sandbox_token={Uri.EscapeDataString(token)}", ct).ConfigureAwait(false);
        try
        {
            await HandshakeAsync(ws, _ => { }, ct).ConfigureAwait(false);
            return ws;
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    private static async Task<ClientWebSocket> ConnectAsync(SandboxClient client, string path, CancellationToken ct)
    {
        var ws = new ClientWebSocket();
        if (client.Options.ApiKey is { } key) ws.Options.SetRequestHeader("Authorization", "Bearer " + key);
        ws.Options.CollectHttpResponseDetails = true;
        try
        {
            await ws.ConnectAsync(client.WebSocketUri(path), ct).ConfigureAwait(false);
            return ws;
        }
        catch (WebSocketException) when ((int)ws.HttpStatusCode >= 400)
        {
            var status = ws.HttpStatusCode;
            ws.Dispose();
            throw SandboxApiException.Create(status, null, null, $"The WebSocket upgrade to {path.Split('?')[0]} was refused with HTTP {(int)status}.", null, null);
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    /// <summary>Reads until SANDBOX_RUNNING; an error status (with the message after it) throws.</summary>
    private static async Task HandshakeAsync(ClientWebSocket ws, Action<JsonElement> onEvent, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        while (true)
        {
            var e = await ReceiveAsync(ws, timeout.Token).ConfigureAwait(false)
                ?? throw new SandboxSessionException("closed", "the server closed the connection before the sandbox was running");
            onEvent(e);
            if (e.GetProperty("event").GetString() != "status_update") continue;
            var status = e.GetProperty("status").GetString()!;
            if (status == SessionStatus.Running) return;
            if (status.EndsWith("_ERROR", StringComparison.Ordinal) || status is SessionStatus.NotFound or SessionStatus.InUse)
            {
                string message = status;
                using var brief = CancellationTokenSource.CreateLinkedTokenSource(ct);
                brief.CancelAfter(TimeSpan.FromSeconds(5));
                try
                {
                    if (await ReceiveAsync(ws, brief.Token).ConfigureAwait(false) is { } next && next.GetProperty("event").GetString() == "error")
                        message = next.GetProperty("message").GetString() ?? status;
                }
                catch (Exception x) when (x is WebSocketException or OperationCanceledException) { /* no message follows */ }
                throw new SandboxSessionException(status, message);
            }
        }
    }

    private static async Task<JsonElement?> ReceiveAsync(ClientWebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var ms = new MemoryStream();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ct).ConfigureAwait(false);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            ms.Write(buffer, 0, r.Count);
            if (r.EndOfMessage) break;
        }
        using var doc = JsonDocument.Parse(ms.ToArray());
        return doc.RootElement.Clone();
    }

    private void Start() => _reader = Task.Run(ReadLoopAsync);

    private async Task ReadLoopAsync()
    {
        Exception? failure = null;
        while (!_stop.IsCancellationRequested)
        {
            JsonElement? e;
            try
            {
                e = await ReceiveAsync(_ws, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception x) when (x is WebSocketException or IOException or OperationCanceledException)
            {
                if (_stop.IsCancellationRequested) break;
                e = null;
                failure = x;
            }
            if (e is { } message)
            {
                Dispatch(message);
                continue;
            }
            // closed or dropped: expected after kill/checkpoint, else re-attach if allowed
            if (_expectClose || !_autoReconnect || !_reconnectAllowed || failure is null && _ws.CloseStatus == WebSocketCloseStatus.NormalClosure)
                break;
            if (!await ReconnectAsync().ConfigureAwait(false)) break;
            failure = null;
        }
        var end = new SandboxException("the session's connection ended", failure);
        _current?.Finish(_current.Done ? null : end);
        _control.Writer.TryComplete();
    }

    private async Task<bool> ReconnectAsync()
    {
        for (var attempt = 1; attempt <= _client.Options.SessionReconnectAttempts && !_stop.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _stop.Token).ConfigureAwait(false);
                var ws = await AttachSocketAsync(_client, SandboxId, SandboxToken, _stop.Token).ConfigureAwait(false);
                var old = _ws;
                _ws = ws;
                old.Dispose();
                Reconnects++;
                if (_current is { Done: false }) await SendAsync(new { action = "reconnect" }, _stop.Token).ConfigureAwait(false);
                return true;
            }
            catch (SandboxSessionException)
            {
                return false;   // the sandbox is gone or refuses us: nothing to re-attach to
            }
            catch (Exception x) when (x is WebSocketException or IOException or HttpRequestException or SandboxApiException) { }
            catch (OperationCanceledException) { return false; }
        }
        return false;
    }

    private void Dispatch(JsonElement e)
    {
        switch (e.GetProperty("event").GetString())
        {
            case "stdout" or "stderr" when _current is { } x:
                x.Output(e.GetProperty("event").GetString()!, e.GetProperty("data").GetString() ?? "");
                break;
            case "status_update":
                var status = e.GetProperty("status").GetString()!;
                if (SessionStatus.Fatal.Contains(status)) _reconnectAllowed = false;
                if (status == SessionStatus.Running) _reconnectAllowed = true;
                if (SessionStatus.IsExecution(status))
                {
                    _errorForExecution = status.EndsWith("_ERROR", StringComparison.Ordinal);
                    _current?.Status(status);
                }
                else
                {
                    _errorForExecution = false;
                    _control.Writer.TryWrite((status, null));
                }
                break;
            case "error":
                var msg = e.GetProperty("message").GetString() ?? "";
                if (!(_errorForExecution && _current is { } c && c.Error(msg))) _control.Writer.TryWrite(("error", msg));
                break;
        }
    }

    internal async Task SendAsync(object message, CancellationToken ct)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message);
        await _send.WaitAsync(ct).ConfigureAwait(false);
        try { await _ws.SendAsync(bytes, WebSocketMessageType.Text, true, ct).ConfigureAwait(false); }
        finally { _send.Release(); }
    }

    /// <summary>Starts code (python or bash); read its output from the returned execution.</summary>
    public async Task<SessionExecution> ExecAsync(string language, string code, CancellationToken ct = default)
    {
        if (_current is { Done: false }) throw new InvalidOperationException("an execution is still running in this session: read it to its end or kill it first");
        var x = new SessionExecution(this);
        _current = x;
        await SendAsync(new { language, code }, ct).ConfigureAwait(false);
        return x;
    }

    /// <summary>kill_sandbox: deletes the sandbox; the server then closes the session.</summary>
    public Task KillSandboxAsync(CancellationToken ct = default) =>
        ControlAsync(new { action = "kill_sandbox" }, SessionStatus.Killed, expectClose: true, ct);

    /// <summary>checkpoint: the sandbox is stored and stopped, and the session closes; attach again to restore it.</summary>
    public Task CheckpointAsync(CancellationToken ct = default) =>
        ControlAsync(new { action = "checkpoint" }, SessionStatus.Checkpointed, expectClose: true, ct);

    /// <summary>snapshot_filesystem: stores the sandbox's files under <paramref name="name"/> for new sandboxes to start from.</summary>
    public Task SnapshotFilesystemAsync(string name, CancellationToken ct = default) =>
        ControlAsync(new { action = "snapshot_filesystem", name }, SessionStatus.SnapshotCreated, expectClose: false, ct);

    private async Task ControlAsync(object command, string success, bool expectClose, CancellationToken ct)
    {
        while (_control.Reader.TryRead(out _)) { }   // statuses nobody waited for (an idle warning, a replay) are not this answer
        _expectClose = expectClose;
        await SendAsync(command, ct).ConfigureAwait(false);
        string? errorStatus = null;
        try
        {
            await foreach (var (status, message) in _control.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (status == success) return;
                if (status == "error" && errorStatus is not null) throw new SandboxSessionException(errorStatus, message ?? errorStatus);
                if (status is SessionStatus.ExecutionInProgressError or SessionStatus.KillError)
                    throw new SandboxSessionException(status, status == SessionStatus.ExecutionInProgressError
                        ? "an execution is running: wait for it or kill it before a checkpoint" : "the sandbox could not be killed");
                if (status.EndsWith("_ERROR", StringComparison.Ordinal)) errorStatus = status;
            }
            throw new SandboxSessionException(errorStatus ?? "closed", "the session closed before the server confirmed " + success);
        }
        catch (SandboxSessionException)
        {
            _expectClose = false;
            throw;
        }
    }

    /// <summary>Leaves the sandbox running (the reference's detach) and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        _expectClose = true;
        if (_ws.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        }
        _stop.Cancel();
        try { await _reader.ConfigureAwait(false); } catch (Exception) { }
        _ws.Dispose();
        _stop.Dispose();
    }
}
