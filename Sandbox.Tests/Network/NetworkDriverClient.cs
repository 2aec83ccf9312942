using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Sandbox.Tests.Network;

/// <summary>The test's side of <see cref="NetworkNodeDriver"/>: requests by id, answers awaited.</summary>
public sealed class NetworkDriverClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly TaskCompletionSource<JsonObject> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _stderr = new();
    private int _next;
    /// <summary>Ends when the driver's stderr does (after it exits, once its last lines are read).</summary>
    private readonly Task _stderrRead;

    public JsonObject Hello { get; private set; } = null!;

    private NetworkDriverClient(Process process)
    {
        _process = process;
        _ = ReadAsync();
        _stderrRead = Task.Run(async () =>
        {
            string? line;
            while ((line = await process.StandardError.ReadLineAsync()) is not null)
                lock (_stderr) { _stderr.AppendLine(line); if (_stderr.Length > 64_000) _stderr.Remove(0, 32_000); }
        });
    }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public int Pid => _process.Id;

    /// <param name="verb">which node process: the driver, or a whole server (<see cref="NetworkServerNode"/>)</param>
    public static async Task<NetworkDriverClient> StartAsync(string ns, IReadOnlyDictionary<string, string> env, string verb = NetworkNodeDriver.Verb)
    {
        var dll = typeof(NetworkNodeDriver).Assembly.Location;
        var psi = new ProcessStartInfo("ip") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ns, "dotnet", dll, verb }) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        var client = new NetworkDriverClient(Process.Start(psi)!);
        var ready = await Task.WhenAny(client._ready.Task, Task.Delay(TimeSpan.FromSeconds(60)), client._process.WaitForExitAsync());
        if (ready != client._ready.Task)
        {
            // a driver that exited may still have lines in the pipe: its reason is in them
            await Task.WhenAny(client._stderrRead, Task.Delay(TimeSpan.FromSeconds(5)));
            throw new InvalidOperationException($"the network driver did not start: {client.Stderr}");
        }
        client.Hello = client._ready.Task.Result;
        return client;
    }

    private async Task ReadAsync()
    {
        string? line;
        while ((line = await _process.StandardOutput.ReadLineAsync()) is not null)
        {
            JsonObject reply;
            try { reply = JsonNode.Parse(line)!.AsObject(); }
            catch (System.Text.Json.JsonException) { continue; }
            var id = (string?)reply["id"] ?? "";
            if (id == "ready") _ready.TrySetResult(reply);
            else if (_pending.TryRemove(id, out var tcs)) tcs.TrySetResult(reply);
        }
        foreach (var p in _pending.Values) p.TrySetException(new InvalidOperationException($"the network driver exited: {Stderr}"));
    }

    /// <summary>Sends a request and returns the answer (ok or not).</summary>
    public async Task<JsonObject> SendAsync(JsonObject request, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _next).ToString();
        request["id"] = id;
        var tcs = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        lock (_process) _process.StandardInput.WriteLine(request.ToJsonString());
        await _process.StandardInput.FlushAsync();
        var limit = timeout ?? TimeSpan.FromSeconds(120);
        if (await Task.WhenAny(tcs.Task, Task.Delay(limit)) != tcs.Task)
            throw new TimeoutException($"no answer to {request.ToJsonString()} within {limit.TotalSeconds} s. Driver: {Stderr}");
        return await tcs.Task;
    }

    /// <summary>Sends and fails the test with the driver's reason when the answer is not ok.</summary>
    public async Task<JsonObject> RequireAsync(JsonObject request, TimeSpan? timeout = null)
    {
        var reply = await SendAsync(request, timeout);
        if ((bool?)reply["ok"] != true) throw new Xunit.Sdk.XunitException($"{request["op"]} failed: {reply["error_type"]}: {reply["error"]}");
        return reply;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await SendAsync(new JsonObject { ["op"] = "shutdown" }, TimeSpan.FromSeconds(90));
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (Exception)
        {
            try { _process.Kill(entireProcessTree: true); } catch { /* gone */ }
        }
        _process.Dispose();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL to the node process alone, as a crash: what it made stays behind.</summary>
    public async Task CrashAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
