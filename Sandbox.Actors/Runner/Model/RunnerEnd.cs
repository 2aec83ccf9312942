namespace Sandbox.Actors.Runner;

/// <summary>Why a runner connection ended; <see cref="Reason"/> is a sentence for a person, e.g.
/// "the sandbox runner sent a frame of unknown type 'X' (0x58)".</summary>
public sealed record RunnerEnd(RunnerEndKind Kind, string Reason)
{
    public bool IsViolation => Kind == RunnerEndKind.Violation;
}
