using System.Text;
using System.Text.RegularExpressions;

namespace Sandbox.Benchmark;

/// <summary>A sandbox the benchmark holds, with the socket it is attached through.</summary>
public sealed record SandboxHandle(ProtocolConnection Connection, string SandboxId, string SandboxToken);

/// <summary>The server answered an operation with an error status (and usually an <c>error</c> event).</summary>
public sealed class ServerRefusalException(string status, string? serverMessage)
    : Exception(serverMessage is null ? status : $"{status}: {serverMessage}")
{
    public string Status { get; } = status;
    public string? ServerMessage { get; } = serverMessage;
}

/// <summary>The server broke the protocol's ordering or sent wrong output.</summary>
public sealed class ProtocolViolationException(string message) : Exception(message);

/// <summary>
/// The protocol flows of PROTOCOL.md §4–§6 as the reference clients drive them, each checking the
/// order of the events it waits for. They return when the awaited status arrives, so a caller that
/// measures around them measures exactly "request sent to readiness signal received".
/// </summary>
public static partial class SandboxOperations
{
    public const string PythonProbe = "print(6*7)";
    public const string PythonProbeOutput = "42\n";

    /// <summary>Opens /create, sends the init message and waits for SANDBOX_RUNNING (§4.4).</summary>
    public static async Task<SandboxHandle> CreateAsync(Uri webSocketBase, object initMessage, CancellationToken cancellation)
    {
        var connection = await ProtocolConnection.OpenAsync(new Uri(webSocketBase, "create"), cancellation);
        string? sandboxId = null, sandboxToken = null;
        var seen = new List<ServerEvent>();
        try
        {
            await connection.SendAsync(initMessage, cancellation);
            while (true)
            {
                var e = await connection.NextAsync(cancellation);
                seen.Add(e);
                if (e.Kind == "sandbox_id")
                {
                    sandboxId = e.SandboxId;
                    sandboxToken = e.SandboxToken;
                    continue;
                }
                if (e.IsStatus("SANDBOX_RUNNING"))
                {
                    // §4.4: clients read id and token from the event before RUNNING
                    if (sandboxId is null || sandboxToken is null)
                        throw new ProtocolViolationException("SANDBOX_RUNNING arrived before the sandbox_id event: " + Trace(seen));
                    return new SandboxHandle(connection, sandboxId, sandboxToken);
                }
                if (e.Kind == "status_update" && (IsFailure(e.Status!) || e.Status == "SANDBOX_DELETED"))
                    throw await RefusalAsync(connection, e.Status!);
                if (e.Kind is not ("status_update" or "error")) throw new ProtocolViolationException("unexpected event during create: " + Trace(seen));
            }
        }
        catch
        {
            // a sandbox that got an id may still come up: kill it rather than leave it to its idle timeout
            if (sandboxId is not null && sandboxToken is not null)
                await KillQuietlyAsync(new SandboxHandle(connection, sandboxId, sandboxToken), webSocketBase);
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs code and waits for SANDBOX_EXECUTION_DONE, checking that stdout came in between and equals the expectation.</summary>
    public static async Task ExecuteAsync(SandboxHandle sandbox, string code, string expectedStdout, CancellationToken cancellation)
    {
        await sandbox.Connection.SendAsync(new { language = "python", code }, cancellation);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var running = false;
        while (true)
        {
            var e = await sandbox.Connection.NextAsync(cancellation);
            switch (e.Kind)
            {
                case "stdout" or "stderr" when !running:
                    throw new ProtocolViolationException($"{e} before SANDBOX_EXECUTION_RUNNING");
                case "stdout":
                    stdout.Append(e.Data);
                    continue;
                case "stderr":
                    stderr.Append(e.Data);
                    continue;
                case "status_update" when e.Status == "SANDBOX_EXECUTION_RUNNING":
                    running = true;
                    continue;
                case "status_update" when e.Status == "SANDBOX_EXECUTION_DONE":
                    if (!running) throw new ProtocolViolationException("SANDBOX_EXECUTION_DONE without SANDBOX_EXECUTION_RUNNING");
                    if (stdout.ToString() != expectedStdout)
                        throw new ProtocolViolationException($"stdout was {ServerEvent.Quote(stdout.ToString())}, expected {ServerEvent.Quote(expectedStdout)}; stderr {ServerEvent.Quote(stderr.ToString())}");
                    return;
                case "status_update" when IsFailure(e.Status!) || e.Status is "SANDBOX_DELETED" or "SANDBOX_EXECUTION_FORCE_KILLED":
                    throw await RefusalAsync(sandbox.Connection, e.Status!);
                default:
                    continue; // lifecycle chatter such as an idle-timer status does not end an execution
            }
        }
    }

    /// <summary>Sends kill_sandbox and waits for SANDBOX_KILLED (§6.5).</summary>
    public static async Task KillAsync(SandboxHandle sandbox, CancellationToken cancellation)
    {
        await sandbox.Connection.SendAsync(new { action = "kill_sandbox" }, cancellation);
        while (true)
        {
            var e = await sandbox.Connection.NextAsync(cancellation);
            if (e.IsStatus("SANDBOX_KILLED")) return;
            if (e.IsStatus("SANDBOX_KILL_ERROR") || e.IsStatus("SANDBOX_ERROR")) throw await RefusalAsync(sandbox.Connection, e.Status!);
        }
    }

    /// <summary>Sends checkpoint and waits for SANDBOX_CHECKPOINTED (§6.6); the server closes the socket after it.</summary>
    public static async Task CheckpointAsync(SandboxHandle sandbox, CancellationToken cancellation)
    {
        await sandbox.Connection.SendAsync(new { action = "checkpoint" }, cancellation);
        while (true)
        {
            var e = await sandbox.Connection.NextAsync(cancellation);
            if (e.IsStatus("SANDBOX_CHECKPOINTED")) return;
            if (e.Kind == "status_update" && IsFailure(e.Status!)) throw await RefusalAsync(sandbox.Connection, e.Status!);
        }
    }

    /// <summary>Opens /attach/{id} with the token and waits for SANDBOX_RUNNING (§5.3), restoring if needed.</summary>
    public static async Task<SandboxHandle> AttachAsync(Uri webSocketBase, string sandboxId, string sandboxToken, CancellationToken cancellation)
    {
        var uri = new Uri(webSocketBase, $"attach/{Uri.EscapeDataString(sandboxId)}?sandbox_token={Uri.EscapeDataString(sandboxToken)}");
        var connection = await ProtocolConnection.OpenAsync(uri, cancellation);
        try
        {
            while (true)
            {
                var e = await connection.NextAsync(cancellation);
                if (e.IsStatus("SANDBOX_RUNNING")) return new SandboxHandle(connection, sandboxId, sandboxToken);
                if (e.Kind == "status_update" && (IsFailure(e.Status!) || e.Status is "SANDBOX_NOT_FOUND" or "SANDBOX_IN_USE"))
                    throw await RefusalAsync(connection, e.Status!);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Best-effort teardown after a failed measurement: kill through the open socket, else through a
    /// fresh attach. Returns null on success, else why the sandbox may have been left on the server.
    /// </summary>
    public static async Task<string?> KillQuietlyAsync(SandboxHandle sandbox, Uri webSocketBase)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            if (sandbox.Connection.IsOpen)
            {
                try
                {
                    await KillAsync(sandbox, limit.Token);
                    return null;
                }
                catch (ConnectionClosedException)
                {
                    // the server closed this socket (as after a checkpoint error): attach anew below
                }
            }
            var attached = await AttachAsync(webSocketBase, sandbox.SandboxId, sandbox.SandboxToken, limit.Token);
            await using (attached.Connection)
                await KillAsync(attached, limit.Token);
            return null;
        }
        catch (ServerRefusalException e) when (e.Status == "SANDBOX_NOT_FOUND")
        {
            return null; // already gone
        }
        catch (Exception e)
        {
            return $"cleanup failed ({Describe(e)})";
        }
    }

    /// <summary>One line for an operation's failure, as counted in the error summary.</summary>
    public static string Describe(Exception e) => e switch
    {
        OperationCanceledException or TimeoutException => "timed out",
        ServerRefusalException or ProtocolViolationException or ConnectionClosedException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    /// <summary>A failure text with its sandbox ids blanked, so that the same failure of many sandboxes is counted as one kind.</summary>
    public static string GroupingKey(string reason)
    {
        var key = SandboxIdPattern().Replace(reason, "sandbox-…");
        return key.Length > 200 ? key[..200] + "…" : key;
    }

    [GeneratedRegex("sandbox-[0-9a-f]{8,}")]
    private static partial Regex SandboxIdPattern();

    private static bool IsFailure(string status) => status.EndsWith("_ERROR", StringComparison.Ordinal);

    /// <summary>Error statuses are followed by an <c>error</c> event carrying the reason (§2.1); wait briefly for it.</summary>
    private static async Task<ServerRefusalException> RefusalAsync(ProtocolConnection connection, string status)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            var next = await connection.NextAsync(limit.Token);
            return new ServerRefusalException(status, next.Kind == "error" ? next.Message : null);
        }
        catch (Exception)
        {
            return new ServerRefusalException(status, null);
        }
    }

    private static string Trace(IEnumerable<ServerEvent> events) => string.Join(" | ", events);
}
