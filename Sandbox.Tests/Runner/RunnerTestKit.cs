using System.Text;
using Sandbox.Actors.Runner;

namespace Sandbox.Tests.Runner;

/// <summary>Small steps the runner specs share.</summary>
public static class RunnerTestKit
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Everything a keep process wrote (following it to its exit), and how it ended.</summary>
    public static async Task<(string Output, ExitStatus Exit)> OutputOf(RunnerConnection r, uint process, long from = 0)
    {
        using var cts = new CancellationTokenSource(Patience);
        var text = new StringBuilder();
        await foreach (var rec in r.ReadOutputAsync(process, from, follow: true, cts.Token))
        {
            switch (rec)
            {
                case OutputChunk c: text.Append(Encoding.UTF8.GetString(c.Bytes)); break;
                case OutputExit e: return (text.ToString(), e.Status);
            }
        }
        throw new InvalidOperationException("the output ended without an exit");
    }

    public static Task<StartedProcess> Sh(RunnerConnection r, string script, TerminalSize? pty = null, long? keep = null) =>
        r.StartProcessAsync(new ProcessRequest { Cmd = ["bash", "-c", script], Pty = pty, KeepBytes = keep });

    /// <summary>Runs a shell script to its end and returns its output.</summary>
    public static async Task<string> Run(RunnerConnection r, string script) =>
        (await OutputOf(r, (await Sh(r, script)).ProcessId)).Output;

    /// <summary>Reads a terminal's output until <paramref name="until"/> matches the text so far.</summary>
    public static async Task<(string Text, long Next)> ReadUntil(RunnerConnection r, uint process, long from, Func<string, bool> until)
    {
        using var cts = new CancellationTokenSource(Patience);
        var text = new StringBuilder();
        var next = from;
        try
        {
            await foreach (var rec in r.ReadOutputAsync(process, from, follow: true, cts.Token))
            {
                if (rec is OutputChunk c)
                {
                    text.Append(Encoding.UTF8.GetString(c.Bytes));
                    next = c.End;
                    if (until(text.ToString())) return (text.ToString(), next);
                }
                if (rec is OutputExit) break;
            }
        }
        catch (OperationCanceledException) { }
        throw new Xunit.Sdk.XunitException($"the output never matched; it was: {text}");
    }
}
