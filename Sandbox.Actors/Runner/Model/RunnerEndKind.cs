namespace Sandbox.Actors.Runner;

public enum RunnerEndKind
{
    /// <summary>The runner's output ended cleanly between frames: the sandbox is gone or was checkpointed.</summary>
    Closed,
    /// <summary>The stream broke the protocol (forged, corrupt or stalled); the sandbox must end.</summary>
    Violation,
    /// <summary>The host closed the connection itself.</summary>
    Disposed,
}
