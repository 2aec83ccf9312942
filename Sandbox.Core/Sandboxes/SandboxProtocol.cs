namespace Sandbox.Core.Sandboxes;

/// <summary>The messages between gateways (and operators) and a sandbox: commands routed to it by
/// sharding, and what it answers. Serialized by string manifest; never rename a manifest.</summary>
public static class SandboxProtocol
{
    // ---- commands (gateway -> sandbox) -------------------------------------------------------

    /// <summary>Create and start a sandbox; the session gets <see cref="SandboxAttached"/> (from the
    /// sandbox itself, which is then the sender to talk to) or <see cref="SandboxRejected"/>.
    /// Only the SHA-256 of the token travels and is stored, never the token itself.</summary>
    public sealed record CreateSandbox(string SandboxId, string TokenSha256, SandboxSettings Settings, ClientRef Session) : IWithSandboxId
    {
        /// <summary>The fingerprint of the API key that creates it; null without API keys.</summary>
        public string? Owner { get; init; }
    }

    /// <remarks><see cref="Caller"/> is the fingerprint of the attaching client's API key: with keys, another
    /// key's sandbox answers like an unknown one (its token is not enough on the reference routes).</remarks>
    public sealed record AttachSandbox(string SandboxId, string TokenSha256, ClientRef Session) : IWithSandboxId
    {
        public string? Caller { get; init; }
    }

    public sealed record DetachSession(string SandboxId, ClientRef Session) : IWithSandboxId;

    public sealed record ExecuteCode(string SandboxId, string Language, string Code, bool CloseStdin) : IWithSandboxId;

    public sealed record WriteStdin(string SandboxId, string Data) : IWithSandboxId;

    public sealed record KillProcess(string SandboxId) : IWithSandboxId;

    public sealed record KillSandbox(string SandboxId) : IWithSandboxId;

    public sealed record Reconnect(string SandboxId) : IWithSandboxId;

    public sealed record CheckpointSandbox(string SandboxId) : IWithSandboxId;

    public sealed record SnapshotFilesystem(string SandboxId, string? Name) : IWithSandboxId;

    /// <summary>The session wrote every execution event up to <paramref name="Seq"/> to its client.</summary>
    public sealed record OutputAck(string SandboxId, long Seq) : IWithSandboxId;

    /// <summary>Operator requests (HTTP /containers/{id}/…, sandboxctl): pause, resume, delete or checkpoint.</summary>
    public sealed record AdminCommand(string SandboxId, AdminAction Action) : IWithSandboxId;

    /// <summary>Checkpoint answers when the checkpoint is stored (or failed), the others at once.</summary>
    public enum AdminAction { Suspend, Resume, Delete, Checkpoint }

    /// <summary>How an operator request ended; callers map the outcome, never the message text.</summary>
    public enum AdminOutcome { Done, NotFound, WrongState, Failed }

    public sealed record AdminResult(AdminOutcome Outcome, string Message) : ISandboxWireMessage
    {
        public bool Ok => Outcome == AdminOutcome.Done;
    }

    public sealed record GetSandboxInfo(string SandboxId) : IWithSandboxId;

    public sealed record SandboxInfo(string SandboxId, string State, string? Node, bool Attached, bool ExecutionRunning, DateTimeOffset? CreatedAt) : ISandboxWireMessage;

    /// <summary>Sharding's hand-off stop and our own passivation: checkpoint or tear down, then stop.</summary>
    public sealed record StopSandbox(string SandboxId) : IWithSandboxId
    {
        public static readonly StopSandbox Instance = new("");
    }

    /// <summary>Its host is short of memory and chose it, the least recently active sandbox it could
    /// pause: pause now if that is still true (a sandbox busy again since is left alone).</summary>
    public sealed record MakeRoom(string SandboxId) : IWithSandboxId, ISandboxWireMessage;

    // ---- API v1 (gateway facade -> sandbox), each answered with a description, history, or refusal ----

    /// <summary>GET /v1/sandboxes/{id}.</summary>
    public sealed record DescribeSandbox(string SandboxId, Access Access) : IApiCommand;

    /// <summary>DELETE /v1/sandboxes/{id}: kills it; its checkpoints are deleted.</summary>
    public sealed record DeleteSandbox(string SandboxId, Access Access) : IApiCommand;

    /// <summary>POST …/pause: answered once its checkpoint is stored.</summary>
    public sealed record PauseSandbox(string SandboxId, Access Access) : IApiCommand;

    /// <summary>POST …/resume: answered once it runs again.</summary>
    public sealed record ResumeSandbox(string SandboxId, Access Access) : IApiCommand;

    /// <summary>POST …/ttl: the lifetime ends <paramref name="Seconds"/> from now.</summary>
    public sealed record SetSandboxTtl(string SandboxId, Access Access, double Seconds) : IApiCommand;

    /// <summary>PUT …/network: the egress policy (already validated and normalised by the gateway) from now on.</summary>
    public sealed record SetSandboxNetwork(string SandboxId, Access Access, SandboxNetworkPolicy Policy) : IApiCommand;

    /// <summary>GET …/events: the sandbox's history.</summary>
    public sealed record GetSandboxHistory(string SandboxId, Access Access) : IApiCommand;

    /// <summary>POST …/fork: answered with the image the forks start from (<see cref="ForkImage"/>); the
    /// gateway then creates them. A running source is frozen only while the image is taken.</summary>
    public sealed record ForkSandbox(string SandboxId, Access Access, int Count) : IApiCommand;

    /// <summary>What forks of a sandbox start from: its image and settings.</summary>
    public sealed record ForkImage(CheckpointRef Image, SandboxSettings Settings) : ISandboxWireMessage;

    /// <summary>From a host's catalog sweep: a paused sandbox whose TTL may have passed ends if it has.</summary>
    public sealed record ExpireIfDue(string SandboxId) : IWithSandboxId;

    /// <summary>From a host's catalog sweep: an ended sandbox past its retention is forgotten.</summary>
    public sealed record PurgeIfEnded(string SandboxId, DateTimeOffset EndedBefore) : IWithSandboxId;

    public sealed record SandboxDescription(SandboxSummary Summary) : ISandboxWireMessage;

    public sealed record SandboxHistory(IReadOnlyList<HistoryEntry> Entries) : ISandboxWireMessage;

    public sealed record ApiRefused(ApiRefusal Kind, string Detail) : ISandboxWireMessage;

    /// <summary>Why a sandbox refused an API call; the gateway maps it to a status.</summary>
    public enum ApiRefusal { NotFound, Forbidden, Conflict, Invalid, Failed, BadRequest, TooLarge }

    // ---- events for the attached session (sandbox -> gateway) --------------------------------

    /// <summary>Create or attach succeeded; further commands may go straight to the sender of this message.</summary>
    public sealed record SandboxAttached(string SandboxId, bool Restored) : ISessionEvent;

    /// <summary>Create or attach failed: status, optional error text, close code.</summary>
    public sealed record SandboxRejected(string Status, string? Error, int CloseCode) : ISessionEvent;

    /// <summary>The host this create was placed on cannot take it (full, draining, too many starts):
    /// nothing was created, and the gateway places the sandbox elsewhere under a new id.</summary>
    /// <param name="Busy">Refused for concurrent starts (try again shortly) rather than for room.</param>
    public sealed record HostRefusedCreate(string SandboxId, string Node, string Reason, bool Busy) : ISessionEvent;

    /// <summary>A status_update, optionally followed by an error event.</summary>
    public sealed record StatusEvent(string Status, string? Error = null) : ISessionEvent;

    /// <summary>One item of an execution's stream (output or a status of the execution, RUNNING to
    /// DONE), numbered; acknowledged by <see cref="OutputAck"/>.</summary>
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
