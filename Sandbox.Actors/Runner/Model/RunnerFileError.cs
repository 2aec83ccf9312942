namespace Sandbox.Actors.Runner;

/// <summary>Why a file operation failed, as the runner classified it (never from a message's text).</summary>
public enum RunnerFileError
{
    NotFound,
    IsDirectory,
    NotDirectory,
    Exists,
    /// <summary>The sandbox's disk limit (or the filesystem) is full.</summary>
    NoSpace,
    Permission,
    /// <summary>Relative, empty, too long, with NUL bytes, or the root where that is not allowed.</summary>
    InvalidPath,
    NotEmpty,
    /// <summary>A device, FIFO or socket where a regular file is needed.</summary>
    NotAFile,
    InvalidRequest,
    Io,
}
