namespace Sandbox.Actors.Runner;

/// <summary>A call could not complete because the runner connection has ended (see <see cref="End"/>).</summary>
public sealed class RunnerUnavailableException(RunnerEnd end) : Exception($"the sandbox runner is not available: {end.Reason}")
{
    public RunnerEnd End { get; } = end;
}
