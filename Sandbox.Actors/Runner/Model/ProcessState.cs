namespace Sandbox.Actors.Runner;

public enum ProcessState
{
    Running,
    /// <summary>Exited, with every byte of its output in its log.</summary>
    Exited,
}
