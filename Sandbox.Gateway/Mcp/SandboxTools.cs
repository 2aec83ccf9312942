using System.ComponentModel;
using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Sandbox.Gateway.Api;

namespace Sandbox.Gateway.Mcp;

/// <summary>
/// The MCP tools of API-v1.md §7 over <see cref="ISandboxApi"/>. Argument names are the wire's
/// (snake_case), which is why the parameters are spelt that way.
/// </summary>
[McpServerToolType]
public static class SandboxTools
{
    private const string SandboxIdDoc = "The sandbox to act on: the sandbox_id create_sandbox returned (sandbox-…).";
    private const string TokenDoc = "The sandbox's sandbox_token; needed only for a sandbox this session did not create (without API keys).";
    private const string LanguageDoc = "The language of the code: \"python\" (Python 3) or \"bash\".";
    private const string TimeoutDoc = "Seconds to wait for the code to finish before it is killed (default 60, at most 3600).";

    public static readonly IReadOnlyList<string> Names =
        ["run_code", "create_sandbox", "exec", "write_file", "read_file", "list_files", "start_process", "process_output",
         "pause_sandbox", "resume_sandbox", "fork_sandbox", "kill_sandbox"];

    [McpServerTool(Name = "run_code", Title = "Run code in a fresh sandbox", OpenWorld = false)]
    [Description("Runs Python or Bash code in a new, isolated gVisor sandbox, waits for it to finish, returns its stdout, stderr and exit code, and deletes the sandbox. Nothing is kept: use create_sandbox and exec to keep files and state between runs.")]
    public static async Task<CallToolResult> RunCode(McpContext mcp, McpServer session, IProgress<ProgressNotificationValue> progress,
        [Description(LanguageDoc)] string language,
        [Description("The code to run.")] string code,
        [Description(TimeoutDoc)] double? timeout_seconds = null,
        CancellationToken ct = default)
    {
        if (Timeout(timeout_seconds) is not { } timeout) return BadTimeout();
        return await Guard("run_code", async () =>
        {
            var api = mcp.Api;
            var created = await api.CreateAsync(mcp.CallerFor(session, null, null), new CreateSandboxRequest
            {
                IdleTimeout = timeout + 60,
                TtlSeconds = timeout + 120,
                Labels = new Dictionary<string, string> { ["created_by"] = "mcp.run_code" },
            }, ct);
            if (!created.Ok) return ToolResults.Failure(created.Error);
            var id = created.Value.SandboxId;
            var caller = mcp.CallerFor(session, id, created.Value.SandboxToken);
            try
            {
                var run = await CodeRunner.RunAsync(api, caller, id, language, code, timeout, progress, ct);
                return run.Ok ? RunResult(run.Value) : ToolResults.Failure(run.Error);
            }
            finally
            {
                // the sandbox was only for this run: it goes whatever happened, even if the caller left
                await api.DeleteAsync(caller, id, CancellationToken.None);
            }
        });
    }

    [McpServerTool(Name = "create_sandbox", Title = "Create a sandbox", OpenWorld = false)]
    [Description("Creates a persistent gVisor sandbox (a small Linux machine with Python 3 and Bash) and returns its sandbox_id, which the other tools take. Files, installed packages and running processes stay until it is killed, or it stays idle past idle_timeout.")]
    public static Task<CallToolResult> CreateSandbox(McpContext mcp, McpServer session,
        [Description("Labels to find the sandbox by later, e.g. {\"task\": \"42\"}: at most 32; keys of a-z, 0-9, _ . - (up to 63 characters), values up to 255 characters.")] Dictionary<string, string>? labels = null,
        [Description("Outbound network policy: {\"egress\": \"none\" | \"allow_all\" | \"allow_list\", \"allow\": [CIDRs or domain names], \"deny\": [CIDRs or names]}. Default: the server's (usually none).")] NetworkArgument? network = null,
        [Description("Seconds without activity after which the sandbox is deleted (default 300; 0 = never).")] double? idle_timeout = null,
        [Description("Allow pause_sandbox, resume_sandbox and fork_sandbox (default: yes when the server stores checkpoints).")] bool? enable_checkpoint = null,
        CancellationToken ct = default) =>
        Guard("create_sandbox", async () =>
        {
            var r = await mcp.Api.CreateAsync(mcp.CallerFor(session, null, null), new CreateSandboxRequest
            {
                IdleTimeout = idle_timeout ?? 300,
                Labels = labels,
                Network = network?.ToView(),
                EnableCheckpoint = enable_checkpoint ?? mcp.CheckpointsStored,
            }, ct);
            if (!r.Ok) return ToolResults.Failure(r.Error);
            if (r.Value.SandboxToken is { } token) mcp.Sessions.Remember(session, r.Value.SandboxId, token);
            return ToolResults.Text($"Created sandbox {r.Value.SandboxId} (state: {r.Value.State}). Pass sandbox_id \"{r.Value.SandboxId}\" to exec, write_file, read_file and the other tools; kill_sandbox deletes it.", r.Value);
        });

    [McpServerTool(Name = "exec", Title = "Run code in a sandbox", OpenWorld = false)]
    [Description("Runs Python or Bash code inside an existing sandbox and waits for it to finish; returns stdout, stderr and the exit code. Files and installed packages persist between calls; each call is a new process (Python variables do not carry over). Long runs report their output so far as progress.")]
    public static Task<CallToolResult> Exec(McpContext mcp, McpServer session, IProgress<ProgressNotificationValue> progress,
        [Description(SandboxIdDoc)] string sandbox_id,
        [Description(LanguageDoc)] string language,
        [Description("The code to run.")] string code,
        [Description(TimeoutDoc)] double? timeout_seconds = null,
        [Description(TokenDoc)] string? sandbox_token = null,
        CancellationToken ct = default)
    {
        if (Timeout(timeout_seconds) is not { } timeout) return Task.FromResult(BadTimeout());
        return Guard("exec", async () =>
        {
            var run = await CodeRunner.RunAsync(mcp.Api, mcp.CallerFor(session, sandbox_id, sandbox_token), sandbox_id, language, code, timeout, progress, ct);
            return run.Ok ? RunResult(run.Value) : ToolResults.Failure(run.Error);
        });
    }

    [McpServerTool(Name = "write_file", Title = "Write a file", OpenWorld = false, Idempotent = true)]
    [Description("Writes text to a file inside a sandbox (parent directories are created; an existing file is replaced).")]
    public static Task<CallToolResult> WriteFile(McpContext mcp, McpServer session,
        [Description(SandboxIdDoc)] string sandbox_id,
        [Description("Absolute path of the file inside the sandbox, e.g. /data/input.csv.")] string path,
        [Description("The file's content, as text (written as UTF-8).")] string content,
        [Description(TokenDoc)] string? sandbox_token = null,
        CancellationToken ct = default) =>
        Guard("write_file", async () =>
        {
            using var body = new MemoryStream(Encoding.UTF8.GetBytes(content));
            var r = await mcp.Api.WriteFileAsync(mcp.CallerFor(session, sandbox_id, sandbox_token), sandbox_id, path, null, body, ct);
            return r.Ok ? ToolResults.Text($"Wrote {r.Value.Size} bytes to {r.Value.Path}.", r.Value) : ToolResults.Failure(r.Error);
        });

    public const int MaxReadBytes = 1024 * 1024;

    [McpServerTool(Name = "read_file", Title = "Read a file", ReadOnly = true, OpenWorld = false)]
    [Description("Reads a text file from inside a sandbox (up to 1 MiB; a binary file is described instead).")]
    public static Task<CallToolResult> ReadFile(McpContext mcp, McpServer session,
        [Description(SandboxIdDoc)] string sandbox_id,
        [Description("Absolute path of the file inside the sandbox.")] string path,
        [Description(TokenDoc)] string? sandbox_token = null,
        CancellationToken ct = default) =>
        Guard("read_file", async () =>
        {
            var r = await mcp.Api.ReadFileAsync(mcp.CallerFor(session, sandbox_id, sandbox_token), sandbox_id, path, ct);
            if (!r.Ok) return ToolResults.Failure(r.Error);
            await using var content = r.Value.Content;
            var buffer = new byte[(int)Math.Min(MaxReadBytes, Math.Max(0, r.Value.Entry.Size)) + 1];
            var n = 0;
            int got;
            while (n < buffer.Length && (got = await content.ReadAsync(buffer.AsMemory(n), ct)) > 0) n += got;
            var truncated = n > MaxReadBytes || r.Value.Entry.Size > MaxReadBytes;
            n = Math.Min(n, MaxReadBytes);
            string text;
            try
            {
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, n);
            }
            catch (DecoderFallbackException)
            {
                return ToolResults.Text($"{path} is a binary file of {r.Value.Entry.Size} bytes; it is not shown as text. Use exec (e.g. xxd or python) to inspect it.",
                    new { path, size = r.Value.Entry.Size, binary = true });
            }
            var note = truncated ? $"\n(first {MaxReadBytes} of {r.Value.Entry.Size} bytes shown)" : "";
            return ToolResults.Text(text + note, new { path, size = r.Value.Entry.Size, content = text, truncated });
        });

    [McpServerTool(Name = "list_files", Title = "List a directory", ReadOnly = true, OpenWorld = false)]
    [Description("Lists the files and directories under a path inside a sandbox, with type, size and modification time.")]
    public static Task<CallToolResult> ListFiles(McpContext mcp, McpServer session,
        [Description(SandboxIdDoc)] string sandbox_id,
        [Description("Absolute path of the directory inside the sandbox, e.g. / or /data.")] string path,
        [Description("How many levels down to list (default 1: the directory's own entries).")] int? depth = null,
        [Description(TokenDoc)] string? sandbox_token = null,
        CancellationToken ct = default) =>
        Guard("list_files", async () =>
        {
            var r = await mcp.Api.ListFilesAsync(mcp.CallerFor(session, sandbox_id, sandbox_token), sandbox_id, path, depth ?? 1, ct);
            if (!r.Ok) return ToolResults.Failure(r.Error);
            var text = new StringBuilder(r.Value.Count == 0 ? $"{path} is empty.\n" : "");
            foreach (var e in r.Value)
                text.Append($"{e.Type,-7} {e.Size,12}  {e.ModifiedAt.UtcDateTime:yyyy-MM-dd HH:mm}  {e.Path}\n");
            return ToolResults.Text(text.ToString(), new { entries = r.Value });
        });

    [McpServerTool(Name = "start_process", Title = "Start a background process", OpenWorld = false)]
    [Description("Starts a long-running process in a sandbox (a server, a watcher, a long job) and returns at once with its process_id; read its output with process_output. It keeps running while nobody watches.")]
    public static Task<CallToolResult> StartProcess(McpContext mcp, McpServer session,
        [Description(SandboxIdDoc)] string sandbox_id,
        [Description("The program and its arguments, e.g. [\"python3\", \"-u\", \"server.py\"].")] string[] cmd,
        [Description("Working directory inside the sandbox (default /).")] string? cwd = null,
        [Description(TokenDoc)] string? sandbox_token = null,
        CancellationToken ct = default) =>
        Guard("start_process", async () =>
        {
            var r = await mcp.Api.StartProcessAsync(mcp.CallerFor(session, sandbox_id, sandbox_token), sandbox_id, new ProcessRequest { Cmd = cmd, Cwd = cwd }, ct);
            return r.Ok
                ? ToolResults.Text($"Started process {r.Value.ProcessId} (pid {r.Value.Pid}): {string.Join(' ', cmd)}. Read its output with process_output and process_id \"{r.Value.ProcessId}\".", r.Value)
                : ToolResults.Failure(r.Error);
        });

    [McpServerTool(Name = "process_output", Title = "Read a process's output", ReadOnly = true, OpenWorld = false)]
    [Description("Returns what a process has written so far, from a byte offset (0 = the start), without waiting; the answer says the next_offset to continue from and whether the process has exited.")]
    public static Task<CallToolResult> ProcessOutput(McpContext mcp, McpServer session,
        [Description(SandboxIdDoc)] string sandbox_id,
        [Description("The process_id start_process returned (p-…).")] string process_id,
        [Description("Byte offset to read from: 0, or the next_offset of the previous call.")] long? offset = null,
        [Description(TokenDoc)] string? sandbox_token = null,
        CancellationToken ct = default) =>
        Guard("process_output", async () =>
        {
            var from = offset ?? 0;
            if (from < 0) return ToolResults.Failure("offset must be 0 or more: use 0, or the next_offset of the previous call.", "invalid", "offset");
            var r = await mcp.Api.ReadOutputAsync(mcp.CallerFor(session, sandbox_id, sandbox_token), sandbox_id, process_id, from, follow: false, ct);
            if (!r.Ok) return ToolResults.Failure(r.Error);
            var bytes = new MemoryStream();
            var next = from;
            int? exitCode = null;
            string? signal = null;
            var exited = false;
            long? dropped = null;
            await foreach (var rec in r.Value.WithCancellation(ct))
            {
                if (rec.Stream == "exit") { exited = true; exitCode = rec.ExitCode; signal = rec.Signal; next = rec.Offset; continue; }
                if (rec.Stream == "gap") { dropped = rec.DroppedBytes; next = rec.Offset; continue; }
                if (bytes.Length >= CodeRunner.MaxBytesPerStream) break;   // the rest comes with the next call, from next_offset
                if (rec.Bytes is { } b) bytes.Write(b);
                next = rec.End;
            }
            var output = Encoding.UTF8.GetString(bytes.GetBuffer(), 0, (int)bytes.Length);
            var status = exited ? (signal is { } s ? $"exited (signal {s})" : $"exited with code {exitCode}") : "still running";
            var text = new StringBuilder();
            if (dropped is { } d) text.Append($"({d} older bytes were dropped)\n");
            text.Append(output.Length == 0 ? "(no new output)\n" : output.EndsWith('\n') ? output : output + "\n");
            text.Append($"--- process {status}; next_offset {next} ---");
            return ToolResults.Text(text.ToString(), new { output, next_offset = next, running = !exited, exit_code = exitCode, signal, dropped_bytes = dropped });
        });

    [McpServerTool(Name = "pause_sandbox", Title = "Pause a sandbox", OpenWorld = false, Idempotent = true)]
    [Description("Checkpoints a sandbox (memory, processes, files) and frees its memory; any later call to it resumes it where it was. The sandbox must have been created with checkpoints enabled.")]
    public static Task<CallToolResult> PauseSandbox(McpContext mcp, McpServer session,
        [Description(SandboxIdDoc)] string sandbox_id, [Description(TokenDoc)] string? sandbox_token = null, CancellationToken ct = default) =>
        Guard("pause_sandbox", async () => State(await mcp.Api.PauseAsync(mcp.CallerFor(session, sandbox_id, sandbox_token), sandbox_id, ct), "paused"));

    [McpServerTool(Name = "resume_sandbox", Title = "Resume a sandbox", OpenWorld = false, Idempotent = true)]
    [Description("Resumes a paused sandbox on whichever host has room (other tools also resume it by themselves).")]
    public static Task<CallToolResult> ResumeSandbox(McpContext mcp, McpServer session,
        [Description(SandboxIdDoc)] string sandbox_id, [Description(TokenDoc)] string? sandbox_token = null, CancellationToken ct = default) =>
        Guard("resume_sandbox", async () => State(await mcp.Api.ResumeAsync(mcp.CallerFor(session, sandbox_id, sandbox_token), sandbox_id, ct), "resumed"));

    [McpServerTool(Name = "fork_sandbox", Title = "Fork a sandbox", OpenWorld = false)]
    [Description("Makes copies of a sandbox as it is now (memory, processes, files), each with its own sandbox_id, to try different things from the same state. The source keeps running.")]
    public static Task<CallToolResult> ForkSandbox(McpContext mcp, McpServer session,
        [Description(SandboxIdDoc)] string sandbox_id,
        [Description("How many copies to make (1 to 16).")] int count = 1,
        [Description(TokenDoc)] string? sandbox_token = null,
        CancellationToken ct = default) =>
        Guard("fork_sandbox", async () =>
        {
            var r = await mcp.Api.ForkAsync(mcp.CallerFor(session, sandbox_id, sandbox_token), sandbox_id, count, null, ct);
            if (!r.Ok) return ToolResults.Failure(r.Error);
            foreach (var f in r.Value) mcp.Sessions.Remember(session, f.SandboxId, f.SandboxToken);
            return ToolResults.Text($"Forked {sandbox_id} into {r.Value.Count} sandbox(es): {string.Join(", ", r.Value.Select(f => f.SandboxId))}.",
                new { sandboxes = r.Value });
        });

    [McpServerTool(Name = "kill_sandbox", Title = "Delete a sandbox", OpenWorld = false, Destructive = true, Idempotent = true)]
    [Description("Deletes a sandbox: its processes stop and its files and checkpoints are gone.")]
    public static Task<CallToolResult> KillSandbox(McpContext mcp, McpServer session,
        [Description(SandboxIdDoc)] string sandbox_id, [Description(TokenDoc)] string? sandbox_token = null, CancellationToken ct = default) =>
        Guard("kill_sandbox", async () =>
        {
            var r = await mcp.Api.DeleteAsync(mcp.CallerFor(session, sandbox_id, sandbox_token), sandbox_id, ct);
            if (!r.Ok) return ToolResults.Failure(r.Error);
            mcp.Sessions.Forget(session, sandbox_id);
            return ToolResults.Text($"Sandbox {sandbox_id} is deleted.", new { sandbox_id, state = "ended" });
        });

    private static CallToolResult State(ApiResult<SandboxView> r, string verb) =>
        r.Ok ? ToolResults.Text($"Sandbox {r.Value.SandboxId} is {verb} (state: {r.Value.State}{(r.Value.Node is { } n ? ", node " + n : "")}).", r.Value)
            : ToolResults.Failure(r.Error);

    private static CallToolResult RunResult(CodeRun run)
    {
        var result = ToolResults.Text(run.Describe(), new
        {
            stdout = run.Stdout, stderr = run.Stderr, exit_code = run.ExitCode, signal = run.Signal,
            timed_out = run.TimedOut, truncated = run.Truncated, process_id = run.ProcessId,
        });
        // code that failed is an answer, not a tool failure; a timeout is one the model should act on
        if (run.TimedOut) result.IsError = true;
        return result;
    }

    private static double? Timeout(double? seconds) => seconds switch
    {
        null => CodeRunner.DefaultTimeoutSeconds,
        > 0 and <= CodeRunner.MaxTimeoutSeconds => seconds,
        _ => null,
    };

    private static CallToolResult BadTimeout() =>
        ToolResults.Failure($"timeout_seconds must be more than 0 and at most {CodeRunner.MaxTimeoutSeconds}.", "invalid", "timeout_seconds");

    /// <summary>A facade piece that has not landed is a result the model can read, not a crash.</summary>
    private static async Task<CallToolResult> Guard(string tool, Func<Task<CallToolResult>> run)
    {
        try { return await run(); }
        catch (NotImplementedException) { return ToolResults.NotAvailable(tool); }
    }
}
