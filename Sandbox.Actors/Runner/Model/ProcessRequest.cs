namespace Sandbox.Actors.Runner;

/// <summary>
/// A process to start: either <see cref="Cmd"/> (argv, looked up on PATH) or <see cref="Language"/>
/// ("python": forked from the runner's own interpreter; "bash": a script from memory) with
/// <see cref="Code"/>. <see cref="Env"/> is merged over the sandbox's default environment.
/// A <see cref="Block"/> process starts with <see cref="Credit"/> bytes of output it may push; a
/// <see cref="OutputPolicy.Keep"/> process keeps <see cref="KeepBytes"/> (null: the sandbox default).
/// <see cref="Tag"/> is the host's own label, echoed in <see cref="ProcessStarted"/> and listings.
/// </summary>
public sealed record ProcessRequest
{
    public OutputPolicy Policy { get; init; } = OutputPolicy.Keep;
    public IReadOnlyList<string>? Cmd { get; init; }
    public string? Language { get; init; }
    public string? Code { get; init; }
    public string? Cwd { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public TerminalSize? Pty { get; init; }
    /// <summary>Seconds after which the runner kills the process group (0 or null: never).</summary>
    public double? TimeoutSeconds { get; init; }
    public long? KeepBytes { get; init; }
    public long Credit { get; init; }
    /// <summary>Start with stdin already at its end (as the reference's /execute does).</summary>
    public bool CloseStdin { get; init; }
    public string? Tag { get; init; }

    public static ProcessRequest Block => new() { Policy = OutputPolicy.Block };
}
