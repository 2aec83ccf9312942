namespace Sandbox.Actors.Runner;

/// <summary>Why a process operation failed, as the runner classified it.</summary>
public enum RunnerProcessError
{
    UnknownProcess,
    StdinClosed,
    NotATerminal,
    AlreadyExited,
    /// <summary>The command or working directory does not exist.</summary>
    NotFound,
    Permission,
    /// <summary>The working directory is not a directory.</summary>
    NotDirectory,
    InvalidRequest,
    SpawnFailed,
}
