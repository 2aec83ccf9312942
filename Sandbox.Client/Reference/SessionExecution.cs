using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Sandbox.Client.Reference;

/// <summary>
/// The running execution of a <see cref="SandboxSession"/>: its output as an async stream that ends at
/// <c>SANDBOX_EXECUTION_DONE</c> (after a reconnect, the replayed output continues it), stdin and kill.
/// </summary>
public sealed class SessionExecution
{
    private readonly SandboxSession _session;
    private readonly Channel<ExecutionOutput> _output = Channel.CreateUnbounded<ExecutionOutput>(new UnboundedChannelOptions { SingleWriter = true });
    private string? _pendingError;

    internal SessionExecution(SandboxSession session) => _session = session;

    /// <summary>True once <c>SANDBOX_EXECUTION_FORCE_KILLED</c> arrived (a kill, or a time/output limit).</summary>
    public bool ForceKilled { get; private set; }
    public bool Done { get; private set; }

    /// <summary>Every output event until the execution is done; an execute the server refused throws <see cref="SandboxSessionException"/>.</summary>
    public async IAsyncEnumerable<ExecutionOutput> ReadOutputAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var o in _output.Reader.ReadAllAsync(ct).ConfigureAwait(false)) yield return o;
    }

    /// <summary>Reads the output to the end: stdout and stderr concatenated.</summary>
    public async Task<(string Stdout, string Stderr)> WaitAsync(CancellationToken ct = default)
    {
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        await foreach (var o in ReadOutputAsync(ct).ConfigureAwait(false)) (o.Stream == "stderr" ? stderr : stdout).Append(o.Text);
        return (stdout.ToString(), stderr.ToString());
    }

    public Task WriteStdinAsync(string data, CancellationToken ct = default) => _session.SendAsync(new { @event = "stdin", data }, ct);

    /// <summary>kill_process: the output then ends with FORCE_KILLED and DONE.</summary>
    public Task KillAsync(CancellationToken ct = default) => _session.SendAsync(new { action = "kill_process" }, ct);

    internal void Output(string stream, string text) => _output.Writer.TryWrite(new ExecutionOutput(stream, text));

    internal void Status(string status)
    {
        switch (status)
        {
            case SessionStatus.ExecutionDone: Finish(null); break;
            case SessionStatus.ExecutionForceKilled: ForceKilled = true; break;
            case SessionStatus.ExecutionRunning: break;
            default:
                if (status.EndsWith("_ERROR", StringComparison.Ordinal)) _pendingError = status;   // its message is the next error event
                break;
        }
    }

    /// <summary>The error event after an error status: the execute was refused.</summary>
    internal bool Error(string message)
    {
        if (_pendingError is not { } status) return false;
        Finish(new SandboxSessionException(status, message));
        return true;
    }

    internal void Finish(Exception? error)
    {
        if (Done) return;
        Done = true;
        _output.Writer.TryComplete(error);
    }
}
