namespace Sandbox.Actors.Runner;

public enum OutputPolicy
{
    /// <summary>The reference protocol's foreground execution: output is pushed on <see cref="RunnerConnection.Events"/>
    /// only as far as the host has granted credit (<see cref="RunnerConnection.Acknowledge"/>); the program blocks
    /// in write() meanwhile and nothing is ever dropped.</summary>
    Block,
    /// <summary>API v1 processes: the runner keeps the newest bytes of the log in the sandbox and the host reads
    /// by offset (<see cref="RunnerConnection.ReadOutputAsync"/>); older bytes are dropped (a gap).</summary>
    Keep,
}
