using Sandbox.Core.Sandboxes;

namespace Sandbox.Core.Calls;

/// <summary>What a sandbox answers to an <see cref="ISandboxCall"/>.</summary>
public static class CallReplies
{
    public sealed record Done : ISandboxWireMessage
    {
        public static readonly Done Instance = new();
    }

    /// <summary>A chunk of an upload was written into the sandbox.</summary>
    public sealed record ChunkTaken(long Index) : ISandboxWireMessage;

    public sealed record File(FileFacts Entry) : ISandboxWireMessage;

    public sealed record Files(IReadOnlyList<FileFacts> Entries, bool Truncated) : ISandboxWireMessage;

    /// <summary>A chunk of a download; <paramref name="Last"/>: the file ends with it.</summary>
    public sealed record FileChunk(FileFacts Entry, long Index, byte[] Data, bool Last) : ISandboxWireMessage;

    /// <summary>Changes since the previous poll (none when nothing changed in the wait).</summary>
    public sealed record Changes(long Index, IReadOnlyList<ChangeFacts> Items) : ISandboxWireMessage;

    public sealed record Process(ProcessFacts Facts) : ISandboxWireMessage;

    public sealed record Processes(IReadOnlyList<ProcessFacts> Items) : ISandboxWireMessage;

    /// <summary>Output records in order; <paramref name="CaughtUp"/>: nothing more exists right now
    /// (the exit record, if any, is the last item).</summary>
    public sealed record Output(IReadOnlyList<OutputFacts> Records, bool CaughtUp) : ISandboxWireMessage;
}

/// <param name="Type">file, dir, symlink or other.</param>
public sealed record FileFacts(string Name, string Path, string Type, long Size, int Mode, DateTimeOffset ModifiedAt);

/// <param name="Type">created, modified, deleted or overflow.</param>
public sealed record ChangeFacts(string Type, string Path);

/// <param name="State">running or exited.</param>
public sealed record ProcessFacts(string ProcessId, int Pid, IReadOnlyList<string> Cmd, string State, int? ExitCode, string? Signal,
    bool Pty, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);

/// <param name="Stream">stdout, stderr, pty, gap or exit.</param>
public sealed record OutputFacts(string Stream, long Offset, byte[]? Bytes = null, int? ExitCode = null, string? Signal = null, long? DroppedBytes = null, bool TimedOut = false);
