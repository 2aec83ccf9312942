namespace Sandbox.Gateway.Api;

/// <summary>POST /v1/sandboxes/{id}/processes (API-v1.md §4): <see cref="Cmd"/>, or <see cref="Language"/> and <see cref="Code"/>.</summary>
public sealed record ProcessRequest
{
    public IReadOnlyList<string>? Cmd { get; init; }
    /// <summary><c>python</c> or <c>bash</c>, with <see cref="Code"/>.</summary>
    public string? Language { get; init; }
    public string? Code { get; init; }
    public string? Cwd { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    /// <summary>Present: the process runs on a terminal of this size (stdout and stderr merged, stream <c>pty</c>).</summary>
    public TerminalSize? Pty { get; init; }
    /// <summary>Seconds before the process is killed; 0 or null: never.</summary>
    public double? TimeoutSeconds { get; init; }
}
