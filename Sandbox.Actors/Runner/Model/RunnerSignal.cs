namespace Sandbox.Actors.Runner;

/// <summary>The signals a host may send to a process (to its whole process group).</summary>
public enum RunnerSignal
{
    Term,
    Kill,
    Int,
    Hup,
}
