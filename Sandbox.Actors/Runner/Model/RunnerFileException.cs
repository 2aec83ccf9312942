namespace Sandbox.Actors.Runner;

/// <summary>A file operation the runner refused; <see cref="Detail"/> is a sentence a person can act on.</summary>
public sealed class RunnerFileException(RunnerFileError kind, string detail) : Exception(detail)
{
    public RunnerFileError Kind { get; } = kind;
    public string Detail { get; } = detail;
}
