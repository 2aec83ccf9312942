namespace Sandbox.Gateway.Api;

/// <summary>A process in a sandbox (API-v1.md §4). <see cref="ProcessId"/> is stable across checkpoint, restore and fork.</summary>
public sealed record ProcessView
{
    public required string ProcessId { get; init; }
    public int Pid { get; init; }
    public IReadOnlyList<string> Cmd { get; init; } = [];
    /// <summary><c>running</c> or <c>exited</c>.</summary>
    public required string State { get; init; }
    public int? ExitCode { get; init; }
    /// <summary>The signal that ended it (e.g. <c>KILL</c>), if one did.</summary>
    public string? Signal { get; init; }
    public bool Pty { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
}
