namespace Sandbox.Actors.Runner;

/// <summary>A process operation the runner refused; <see cref="Detail"/> is a sentence a person can act on.</summary>
public sealed class RunnerProcessException(RunnerProcessError kind, string detail) : Exception(detail)
{
    public RunnerProcessError Kind { get; } = kind;
    public string Detail { get; } = detail;
}
