namespace Sandbox.Client;

/// <summary>POST …/processes: <see cref="Cmd"/>, or <see cref="Language"/> and <see cref="Code"/>.</summary>
public sealed record ProcessStartOptions
{
    public IReadOnlyList<string>? Cmd { get; init; }
    /// <summary>python or bash, with <see cref="Code"/>.</summary>
    public string? Language { get; init; }
    public string? Code { get; init; }
    public string? Cwd { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    /// <summary>Present: the process runs on a terminal of this size.</summary>
    public TerminalSize? Pty { get; init; }
    public double? TimeoutSeconds { get; init; }

    public static ProcessStartOptions Command(params string[] cmd) => new() { Cmd = cmd };
    public static ProcessStartOptions Script(string language, string code) => new() { Language = language, Code = code };
}
