namespace Sandbox.Actors.Runner;

public enum OutputStream : byte
{
    Stdout = 1,
    Stderr = 2,
    /// <summary>A terminal: stdout and stderr merged as the program's terminal shows them.</summary>
    Pty = 3,
}
