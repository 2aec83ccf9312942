using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Sandbox.Client.Internal;

namespace Sandbox.Client;

/// <summary>
/// A process in a sandbox. <see cref="ReadOutputAsync"/> follows its output by byte offset and, after
/// a dropped connection, asks again from the end of the last chunk it delivered: every byte once.
/// </summary>
public sealed class SandboxProcess
{
    private readonly RemoteSandbox _sandbox;

    internal SandboxProcess(RemoteSandbox sandbox, string id, int pid)
    {
        _sandbox = sandbox;
        Id = id;
        Pid = pid;
    }

    /// <summary>The process id of API v1 (p-…), stable across checkpoint, restore and fork.</summary>
    public string Id { get; }
    /// <summary>Its pid inside the sandbox (0 for a handle from <see cref="SandboxProcesses.Get"/>).</summary>
    public int Pid { get; }

    private string P(string rest = "") => _sandbox.Path($"/processes/{Uri.EscapeDataString(Id)}{rest}");

    public Task<ProcessInfo> GetInfoAsync(CancellationToken ct = default) =>
        _sandbox.Api.JsonAsync<ProcessInfo>(HttpMethod.Get, P(), _sandbox.Token, null, ct);

    /// <summary>
    /// The output from <paramref name="offset"/>: with <paramref name="follow"/> until the exit chunk,
    /// else what exists now. A dropped connection is re-opened from where the last chunk ended, so
    /// every byte comes once; only <see cref="SandboxClientOptions.OutputReconnectAttempts"/> failures
    /// in a row without a byte in between end it with an exception.
    /// </summary>
    public async IAsyncEnumerable<ProcessOutput> ReadOutputAsync(long offset = 0, bool follow = true, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var next = offset;
        var failures = 0;
        var attempts = _sandbox.Client.Options.OutputReconnectAttempts;
        while (true)
        {
            Exception? error = null;
            HttpRequestMessage? req = null;
            HttpResponseMessage? resp = null;
            StreamReader? reader = null;
            try
            {
                req = _sandbox.Api.Request(HttpMethod.Get, P($"/output?offset={next}&follow={(follow ? "true" : "false")}&encoding=base64"), _sandbox.Token);
                resp = await _sandbox.Api.SendAsync(req, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                reader = new StreamReader(await resp.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
            }
            catch (Exception e) when (IsTransient(e, ct))
            {
                error = e;
            }
            if (reader is not null)
            {
                using (req)
                using (resp)
                using (reader)
                {
                    while (true)
                    {
                        string? line;
                        try
                        {
                            line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                        }
                        catch (Exception e) when (IsTransient(e, ct))
                        {
                            error = e;
                            break;
                        }
                        if (line is null)
                        {
                            if (!follow) yield break;
                            error = new IOException("the output stream ended before the process's exit");
                            break;
                        }
                        if (line.Length == 0) continue;
                        var chunk = Parse(JsonSerializer.Deserialize<OutputLine>(line, WireJson.Options)!);
                        failures = 0;
                        next = chunk.Stream is OutputStream.Gap or OutputStream.Exit ? chunk.Offset : chunk.End;
                        yield return chunk;
                        if (chunk.Stream == OutputStream.Exit) yield break;
                    }
                }
            }
            else
            {
                req?.Dispose();
            }
            if (++failures > attempts)
                throw new SandboxException($"the output of process {Id} could not be read after {attempts} reconnects", error);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 50 << Math.Min(failures, 6))), ct).ConfigureAwait(false);
        }
    }

    private static bool IsTransient(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException;

    /// <summary>Follows the output to the exit and returns it decoded (stdout and stderr each through one decoder, so split characters stay whole).</summary>
    public async Task<ExecResult> WaitAsync(CancellationToken ct = default)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var outDecoder = Encoding.UTF8.GetDecoder();
        var errDecoder = Encoding.UTF8.GetDecoder();
        int? exit = null;
        string? signal = null;
        await foreach (var c in ReadOutputAsync(0, true, ct).ConfigureAwait(false))
        {
            switch (c.Stream)
            {
                case OutputStream.Stdout or OutputStream.Pty: Append(stdout, outDecoder, c.Data.Span); break;
                case OutputStream.Stderr: Append(stderr, errDecoder, c.Data.Span); break;
                case OutputStream.Exit: exit = c.ExitCode; signal = c.Signal; break;
            }
        }
        return new ExecResult(Id, stdout.ToString(), stderr.ToString(), exit, signal);
    }

    private static void Append(StringBuilder sb, Decoder d, ReadOnlySpan<byte> bytes)
    {
        var chars = new char[d.GetCharCount(bytes, flush: false)];
        d.GetChars(bytes, chars, flush: false);
        sb.Append(chars);
    }

    /// <summary>Writes to the process's stdin; <paramref name="eof"/> closes it after.</summary>
    public async Task WriteStdinAsync(Stream data, bool eof = false, CancellationToken ct = default)
    {
        var body = new StreamContent(data);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var req = _sandbox.Api.Request(HttpMethod.Post, P("/stdin" + (eof ? "?eof=true" : "")), _sandbox.Token, content: body);
        using var _ = await _sandbox.Api.SendAsync(req, ct).ConfigureAwait(false);
    }

    public Task WriteStdinAsync(string text, bool eof = false, CancellationToken ct = default) =>
        WriteStdinAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), eof, ct);

    public Task CloseStdinAsync(CancellationToken ct = default) => WriteStdinAsync(Stream.Null, true, ct);

    /// <summary>Sends TERM, KILL, INT or HUP.</summary>
    public Task SignalAsync(string signal, CancellationToken ct = default) =>
        _sandbox.Api.NoContentAsync(HttpMethod.Post, P("/signal"), _sandbox.Token, new { signal }, ct);

    public Task ResizeAsync(int cols, int rows, CancellationToken ct = default) =>
        _sandbox.Api.NoContentAsync(HttpMethod.Post, P("/resize"), _sandbox.Token, new { cols, rows }, ct);

    /// <summary>A terminal on the process over WebSocket, with output from <paramref name="offset"/>.</summary>
    public async Task<TerminalConnection> AttachTerminalAsync(long offset = 0, CancellationToken ct = default)
    {
        var ws = new ClientWebSocket();
        if (_sandbox.Client.Options.ApiKey is { } key) ws.Options.SetRequestHeader("Authorization", "Bearer " + key);
        if (_sandbox.Token is { } token) ws.Options.SetRequestHeader("X-Sandbox-Token", token);
        ws.Options.CollectHttpResponseDetails = true;
        try
        {
            await ws.ConnectAsync(_sandbox.Client.WebSocketUri($"/v1/sandboxes/{Uri.EscapeDataString(_sandbox.Id)}/processes/{Uri.EscapeDataString(Id)}/attach?offset={offset}"), ct).ConfigureAwait(false);
        }
        catch (WebSocketException) when ((int)ws.HttpStatusCode >= 400)
        {
            var status = ws.HttpStatusCode;
            ws.Dispose();
            // a refused upgrade carries no body to this client: the status says which kind of refusal
            throw SandboxApiException.Create(status, null, null, $"The terminal was refused with HTTP {(int)status}; GetInfoAsync on the process tells why.", null, null);
        }
        return new TerminalConnection(ws);
    }

    private static ProcessOutput Parse(OutputLine l)
    {
        var stream = l.Stream switch
        {
            "stdout" => OutputStream.Stdout,
            "stderr" => OutputStream.Stderr,
            "pty" => OutputStream.Pty,
            "exit" => OutputStream.Exit,
            "gap" => OutputStream.Gap,
            var other => throw new SandboxException($"unknown output stream '{other}'"),
        };
        var data = l.DataB64 is { } b64 ? Convert.FromBase64String(b64) : l.Data is { } text ? Encoding.UTF8.GetBytes(text) : [];
        return new ProcessOutput(stream, l.Offset, data) { ExitCode = l.ExitCode, Signal = l.Signal, DroppedBytes = l.DroppedBytes };
    }
}
