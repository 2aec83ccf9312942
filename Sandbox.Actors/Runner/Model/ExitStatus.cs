namespace Sandbox.Actors.Runner;

/// <summary>How a process ended: its exit code, or the signal that killed it ("KILL", "TERM", …),
/// whether its timeout did that, and the end offset of its output log.</summary>
public sealed record ExitStatus(int? ExitCode, string? Signal, bool TimedOut, long Offset);
