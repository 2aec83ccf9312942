namespace Sandbox.Actors.Runsc;

/// <summary>Result of a short runsc command.</summary>
public sealed record RunscResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;
    /// <summary>The most useful line for a human: runsc writes its reason to stderr.</summary>
    public string Reason => (string.IsNullOrWhiteSpace(Stderr) ? Stdout : Stderr).Trim();
}
