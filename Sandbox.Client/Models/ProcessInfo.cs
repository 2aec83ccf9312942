namespace Sandbox.Client;

/// <summary>A process in a sandbox (API-v1.md §4).</summary>
public sealed record ProcessInfo
{
    public required string ProcessId { get; init; }
    public int Pid { get; init; }
    public IReadOnlyList<string> Cmd { get; init; } = [];
    /// <summary>running or exited.</summary>
    public required string State { get; init; }
    public int? ExitCode { get; init; }
    public string? Signal { get; init; }
    public bool Pty { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
}
