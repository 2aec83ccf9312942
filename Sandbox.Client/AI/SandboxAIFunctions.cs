using System.ComponentModel;
using System.Text;
using Microsoft.Extensions.AI;

namespace Sandbox.Client.AI;

/// <summary>
/// A sandbox as Microsoft.Extensions.AI tools, so a .NET agent gets code execution in a few lines:
/// <code>
/// var sandbox = await client.CreateSandboxAsync();
/// var options = new ChatOptions { Tools = [.. sandbox.AsAIFunctions()] };
/// </code>
/// Failures come back as text the model can act on (the server's problem detail), not as exceptions,
/// so a tool-calling loop keeps going.
/// </summary>
public static class SandboxAIFunctions
{
    private const int MaxTextChars = 100_000;

    /// <summary>exec, write_file, read_file and list_files on this sandbox (state persists between calls).</summary>
    public static IReadOnlyList<AIFunction> AsAIFunctions(this RemoteSandbox sandbox) =>
    [
        AIFunctionFactory.Create(
            async ([Description("python or bash")] string language, [Description("The code to run.")] string code, CancellationToken ct) =>
                await Guard(async () => Describe(await sandbox.ExecAsync(language, code, TimeSpan.FromMinutes(5), ct).ConfigureAwait(false))).ConfigureAwait(false),
            "exec", "Runs Python or Bash code in the sandbox and returns its stdout, stderr and exit code. Files persist between calls."),
        AIFunctionFactory.Create(
            async ([Description("Absolute path, e.g. /data/in.csv")] string path, [Description("The text to write.")] string content, CancellationToken ct) =>
                await Guard(async () => $"Wrote {(await sandbox.Files.WriteTextAsync(path, content, ct).ConfigureAwait(false)).Size} bytes to {path}.").ConfigureAwait(false),
            "write_file", "Writes a text file in the sandbox (parent directories are created)."),
        AIFunctionFactory.Create(
            async ([Description("Absolute path of the file.")] string path, CancellationToken ct) =>
                await Guard(async () => Clip(await sandbox.Files.ReadTextAsync(path, ct).ConfigureAwait(false))).ConfigureAwait(false),
            "read_file", "Reads a text file from the sandbox."),
        AIFunctionFactory.Create(
            async ([Description("Absolute path of the directory.")] string path, CancellationToken ct) =>
                await Guard(async () =>
                {
                    var entries = await sandbox.Files.ListAsync(path, 1, ct).ConfigureAwait(false);
                    return entries.Count == 0 ? $"{path} is empty." : string.Join("\n", entries.Select(e => $"{e.Type,-7} {e.Size,10}  {e.Path}"));
                }).ConfigureAwait(false),
            "list_files", "Lists a directory in the sandbox."),
    ];

    /// <summary>run_code: each call runs in a fresh sandbox that is deleted after (nothing persists).</summary>
    public static AIFunction RunCodeFunction(this SandboxClient client) =>
        AIFunctionFactory.Create(
            async ([Description("python or bash")] string language, [Description("The code to run.")] string code, CancellationToken ct) =>
                await Guard(async () =>
                {
                    var sandbox = await client.CreateSandboxAsync(new CreateSandboxOptions { IdleTimeout = 360, TtlSeconds = 600 }, ct).ConfigureAwait(false);
                    try { return Describe(await sandbox.ExecAsync(language, code, TimeSpan.FromMinutes(5), ct).ConfigureAwait(false)); }
                    finally { await sandbox.DeleteAsync(CancellationToken.None).ConfigureAwait(false); }
                }).ConfigureAwait(false),
            "run_code", "Runs Python or Bash code in a fresh, isolated sandbox and returns its stdout, stderr and exit code.");

    private static string Describe(ExecResult r)
    {
        var text = new StringBuilder();
        text.Append(r.Signal is { } s ? $"Ended by signal {s}\n" : $"Exit code: {r.ExitCode}\n");
        text.Append("--- stdout ---\n").Append(Clip(r.Stdout)).Append('\n');
        text.Append("--- stderr ---\n").Append(Clip(r.Stderr));
        return text.ToString();
    }

    private static string Clip(string s) => s.Length <= MaxTextChars ? s : s[..MaxTextChars] + $"\n(… {s.Length - MaxTextChars} more characters)";

    private static async Task<string> Guard(Func<Task<string>> call)
    {
        try { return await call().ConfigureAwait(false); }
        catch (SandboxApiException e) { return $"Error ({(int)e.Status}): {e.Detail}"; }
        catch (SandboxException e) { return "Error: " + e.Message; }
    }
}
