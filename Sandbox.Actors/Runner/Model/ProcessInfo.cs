namespace Sandbox.Actors.Runner;

/// <summary>One process as the runner lists it. <see cref="OutputStart"/> is the oldest offset still
/// kept, <see cref="OutputEnd"/> the bytes produced so far.</summary>
public sealed record ProcessInfo(
    uint ProcessId, int Pid, string Tag, IReadOnlyList<string> Cmd, OutputPolicy Policy, bool Pty,
    ProcessState State, ExitStatus? Exit, DateTimeOffset StartedAt, DateTimeOffset? EndedAt,
    long OutputStart, long OutputEnd);
