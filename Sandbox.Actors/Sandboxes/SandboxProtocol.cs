using Akka.Actor;

namespace Sandbox.Actors.Sandboxes;

/// <summary>Everything that crosses the wire or goes into the journal; bound to <c>SandboxSerializer</c>.</summary>
public interface ISandboxWireMessage;

/// <summary>Routed by sharding to the sandbox's entity.</summary>
public interface IWithSandboxId : ISandboxWireMessage
{
    string SandboxId { get; }
}

/// <summary>Sent by a sandbox to the client session attached to it, in the order the client must see them.</summary>
public interface ISessionEvent : ISandboxWireMessage;

/// <summary>What a client asked for when it created the sandbox (PROTOCOL.md §4.2).</summary>
public sealed record SandboxSettings(
    double? IdleTimeoutSeconds,
    bool EnableCheckpoint,
    bool AutoCheckpointOnIdle,
    bool EnableHandoff,
    string? FilesystemSnapshotName,
    /// <summary>One-shot sandboxes (HTTP /execute) are deleted when their session ends.</summary>
    bool DeleteOnDetach)
{
    public static readonly SandboxSettings Default = new(300, false, false, false, null, false);
}

public static class SandboxProtocol
{
    // ---- commands (gateway -> sandbox) -------------------------------------------------------

    /// <summary>Create and start a sandbox; the session gets <see cref="SandboxAttached"/> or <see cref="SandboxRejected"/>.
    /// Only the SHA-256 of the token travels and is stored, never the token itself.</summary>
    public sealed record CreateSandbox(string SandboxId, string TokenSha256, SandboxSettings Settings, IActorRef Session) : IWithSandboxId;

    public sealed record AttachSandbox(string SandboxId, string TokenSha256, IActorRef Session) : IWithSandboxId;

    public sealed record DetachSession(string SandboxId, IActorRef Session) : IWithSandboxId;

    public sealed record ExecuteCode(string SandboxId, string Language, string Code, bool CloseStdin) : IWithSandboxId;

    public sealed record WriteStdin(string SandboxId, string Data) : IWithSandboxId;

    public sealed record KillProcess(string SandboxId) : IWithSandboxId;

    public sealed record KillSandbox(string SandboxId) : IWithSandboxId;

    public sealed record Reconnect(string SandboxId) : IWithSandboxId;

    public sealed record CheckpointSandbox(string SandboxId) : IWithSandboxId;

    public sealed record SnapshotFilesystem(string SandboxId, string? Name) : IWithSandboxId;

    /// <summary>The session wrote every execution event up to <paramref name="Seq"/> to its client.</summary>
    public sealed record OutputAck(string SandboxId, long Seq) : IWithSandboxId;

    /// <summary>Operator requests (HTTP /containers/{id}/…): pause, resume or delete the container.</summary>
    public sealed record AdminCommand(string SandboxId, AdminAction Action) : IWithSandboxId;

    /// <summary>Checkpoint answers when the checkpoint is stored (or failed), Delete at once.</summary>
    public enum AdminAction { Suspend, Resume, Delete, Checkpoint }

    public sealed record AdminResult(bool Ok, string Message) : ISandboxWireMessage;

    public sealed record GetSandboxInfo(string SandboxId) : IWithSandboxId;

    public sealed record SandboxInfo(string SandboxId, string State, string? Node, bool Attached, bool ExecutionRunning, DateTimeOffset? CreatedAt) : ISandboxWireMessage;

    /// <summary>Sharding's hand-off stop and our own passivation: tear down (later: checkpoint) and stop.</summary>
    public sealed record StopSandbox(string SandboxId) : IWithSandboxId
    {
        public static readonly StopSandbox Instance = new("");
    }

    // ---- events for the attached session (sandbox -> gateway) --------------------------------

    /// <summary>Create or attach succeeded; further commands may go straight to <paramref name="Sandbox"/>.</summary>
    public sealed record SandboxAttached(string SandboxId, IActorRef Sandbox, bool Restored) : ISessionEvent;

    /// <summary>Create or attach failed: status, optional error text, close code.</summary>
    public sealed record SandboxRejected(string Status, string? Error, int CloseCode) : ISessionEvent;

    /// <summary>The host this create was placed on cannot take it (full, draining, too many starts):
    /// nothing was created, and the gateway places the sandbox elsewhere under a new id.</summary>
    /// <param name="Busy">Refused for concurrent starts (try again shortly) rather than for room.</param>
    public sealed record HostRefusedCreate(string SandboxId, string Node, string Reason, bool Busy) : ISessionEvent;

    /// <summary>A status_update, optionally followed by an error event.</summary>
    public sealed record StatusEvent(string Status, string? Error = null) : ISessionEvent;

    /// <summary>One item of an execution's stream (output or a terminal status); acknowledged by <see cref="OutputAck"/>.</summary>
    public sealed record ExecutionEvent(long Seq, ExecutionEventKind Kind, string Data) : ISessionEvent;

    public enum ExecutionEventKind { Stdout, Stderr, Status }

    /// <summary>Close the client connection with this code once everything before it has been sent.</summary>
    public sealed record CloseSession(int Code) : ISessionEvent;

    /// <summary>This session was replaced by another attach (handoff); it should stop without detaching.</summary>
    public sealed record SessionReplaced : ISessionEvent
    {
        public static readonly SessionReplaced Instance = new();
    }
}
