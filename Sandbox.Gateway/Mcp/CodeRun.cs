namespace Sandbox.Gateway.Mcp;

/// <summary>What an exec or run_code produced.</summary>
/// <param name="TimedOut">The code did not finish within its timeout and was killed.</param>
/// <param name="Truncated">Output beyond what a tool result carries was left out (the process has all of it: process_output reads it).</param>
public sealed record CodeRun(string Stdout, string Stderr, int? ExitCode, string? Signal, bool TimedOut, bool Truncated, string? ProcessId)
{
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        text.Append(TimedOut ? "The code timed out and was killed" : Signal is { } s ? $"The code was ended by signal {s}" : $"Exit code: {ExitCode}");
        text.Append('\n');
        text.Append("--- stdout ---\n").Append(Stdout.Length == 0 ? "(empty)\n" : Stdout.EndsWith('\n') ? Stdout : Stdout + "\n");
        text.Append("--- stderr ---\n").Append(Stderr.Length == 0 ? "(empty)\n" : Stderr.EndsWith('\n') ? Stderr : Stderr + "\n");
        if (Truncated) text.Append($"(output was cut to fit; read all of it with process_output, process_id {ProcessId})\n");
        return text.ToString();
    }
}
