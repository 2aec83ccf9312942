using Sandbox.Core.Sandboxes;

namespace Sandbox.Core.Calls;

/// <summary>The calls of <see cref="ISandboxCall"/>, one record each.</summary>
public static class SandboxCalls
{
    /// <summary>The most bytes one chunk or one batch carries: under the large-object heap's threshold (85,000
    /// bytes), so a chunk's buffers die young instead of piling up until a full collection.</summary>
    public const int ChunkBytes = 80 * 1024;

    /// <summary>How long a follow or watch poll waits for something to arrive before it answers empty.</summary>
    public static readonly TimeSpan PollWait = TimeSpan.FromSeconds(15);

    // ---- files ------------------------------------------------------------------------------------

    /// <summary>One chunk of an upload: the first opens the write, <paramref name="Last"/> ends it
    /// (answered with the file's entry), the others are answered once taken.</summary>
    public sealed record WriteFileChunk(string SandboxId, Access Access, string UploadId, long Index, string Path, int? Mode,
        byte[] Data, bool Last) : ISandboxCall;

    /// <summary>The next chunk of a download: the first opens the read (and answers with the entry too).</summary>
    public sealed record ReadFileChunk(string SandboxId, Access Access, string DownloadId, long Index, string Path) : ISandboxCall;

    /// <summary>Gives a transfer up early (the client left); not answered.</summary>
    public sealed record EndTransfer(string SandboxId, Access Access, string TransferId) : ISandboxCall;

    public sealed record ListFiles(string SandboxId, Access Access, string Path, int Depth) : ISandboxCall;

    public sealed record StatFile(string SandboxId, Access Access, string Path) : ISandboxCall;

    public sealed record MakeDirectory(string SandboxId, Access Access, string Path) : ISandboxCall;

    public sealed record DeleteFile(string SandboxId, Access Access, string Path, bool Recursive) : ISandboxCall;

    /// <summary>Opens a watch (answered once it is established) or, with a later <paramref name="Index"/>,
    /// polls it for the changes since the previous poll.</summary>
    public sealed record PollWatch(string SandboxId, Access Access, string WatchId, long Index, string Path, bool Recursive) : ISandboxCall;

    // ---- processes --------------------------------------------------------------------------------

    public sealed record StartProcess(string SandboxId, Access Access, ProcessSpec Spec) : ISandboxCall;

    public sealed record ListProcesses(string SandboxId, Access Access) : ISandboxCall
    {
        /// <summary>Only a look (GET /v1/sandboxes/{id} counting processes): a paused sandbox refuses it
        /// instead of being restored for it.</summary>
        public bool Peek { get; init; }
    }

    public sealed record GetProcess(string SandboxId, Access Access, string ProcessId) : ISandboxCall;

    /// <summary>Output from <paramref name="Offset"/>: what exists (at most a chunk's worth), or with
    /// <paramref name="Follow"/> what arrives within <see cref="PollWait"/>.</summary>
    public sealed record ReadOutput(string SandboxId, Access Access, string ProcessId, long Offset, bool Follow) : ISandboxCall;

    /// <summary>Bytes for a process's stdin; <paramref name="Eof"/> closes it after them.</summary>
    public sealed record WriteStdin(string SandboxId, Access Access, string ProcessId, byte[] Data, bool Eof) : ISandboxCall;

    /// <summary><paramref name="Signal"/> is TERM, KILL, INT or HUP.</summary>
    public sealed record SignalProcess(string SandboxId, Access Access, string ProcessId, string Signal) : ISandboxCall;

    public sealed record ResizeTerminal(string SandboxId, Access Access, string ProcessId, int Cols, int Rows) : ISandboxCall;
}
