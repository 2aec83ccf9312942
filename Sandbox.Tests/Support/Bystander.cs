using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Tests.Support;

/// <summary>
/// An ordinary client that keeps using its own sandbox while something else hammers the server:
/// it executes <c>echo</c> in a loop and checks each output. Other clients must not disturb it.
/// </summary>
public sealed class Bystander : IAsyncDisposable
{
    private const string S = "status:";
    private readonly WsClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _completed;

    public List<string> Failures { get; } = [];
    public int Completed => Volatile.Read(ref _completed);

    private Bystander(WsClient client)
    {
        _client = client;
        _loop = Task.Run(LoopAsync);
    }

    public static async Task<Bystander> StartAsync(Uri wsBase)
    {
        var c = await WsClient.ConnectAsync(new Uri(wsBase, "/create"));
        await c.SendAsync(new { idle_timeout = 600 });
        var events = await c.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.Contains("ERROR"), TimeSpan.FromSeconds(60));
        if (events[^1] != S + SandboxStatus.Running) throw new InvalidOperationException("bystander could not create: " + string.Join(" | ", events));
        return new Bystander(c);
    }

    /// <summary>One execution; its output must be exactly what was echoed.</summary>
    private async Task<bool> ExecOnceAsync(int n)
    {
        await _client.SendAsync(new { language = "bash", code = $"echo bystander-{n}" });
        var events = await _client.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone || e.Contains("ERROR"), TimeSpan.FromSeconds(60));
        var stdout = string.Concat(events.Where(e => e.StartsWith("stdout:")).Select(e => e["stdout:".Length..]));
        if (events[^1] == S + SandboxStatus.ExecutionDone && stdout == $"bystander-{n}\n") return true;
        lock (Failures) Failures.Add($"exec {n}: " + string.Join(" | ", events));
        return false;
    }

    private async Task LoopAsync()
    {
        var n = 0;
        while (!_stop.IsCancellationRequested && n < 100_000)
        {
            try
            {
                if (await ExecOnceAsync(++n)) Interlocked.Increment(ref _completed);
            }
            catch (Exception e)
            {
                lock (Failures) Failures.Add($"exec {n}: {e.GetType().Name}: {e.Message}");
                return;
            }
            try { await Task.Delay(50, _stop.Token); } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Stops the loop, checks that one more execution still works, and kills the sandbox.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        _stop.Cancel();
        await _loop.WaitAsync(TimeSpan.FromSeconds(90));
        if (Failures.Count == 0) await ExecOnceAsync(-1);
        return Failures;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(90)); } catch (Exception) { }
        try
        {
            await _client.SendAsync(new { action = "kill_sandbox" });
            await _client.ReadUntilClosedAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception) { /* the fixture's leak check reports a sandbox left behind */ }
        await _client.DisposeAsync();
    }
}
