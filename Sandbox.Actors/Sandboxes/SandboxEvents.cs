namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// Persisted facts of a sandbox's life. Never rename or change these: the serializer stores them under
/// versioned string manifests (<c>SandboxSerializer.Manifests</c>); a new shape gets a new record and a ".v2" manifest.
/// Output is never persisted.
/// </summary>
public interface ISandboxEvent : ISandboxWireMessage;

public sealed record SandboxCreated(string SandboxId, string TokenSha256, SandboxSettings Settings, DateTimeOffset At) : ISandboxEvent;

/// <remarks><paramref name="ContainerKey"/> was added later as an optional field (absent in older
/// journals means the sandbox id), so the manifest stayed v1.</remarks>
public sealed record SandboxStarted(string Node, DateTimeOffset At, string? ContainerKey = null) : ISandboxEvent;

public sealed record SandboxDeleted(string Reason, DateTimeOffset At) : ISandboxEvent;

/// <summary>A complete checkpoint (memory image and writable layer, one archive) was committed to the store.
/// <paramref name="Execution"/> (an optional field added later; v1 stays readable) is the host's half of an
/// execution that was running: the runner's half is in the memory image.</summary>
public sealed record CheckpointTaken(string Key, long Size, string Sha256, long Generation, DateTimeOffset At,
    ExecutionCarryOver? Execution = null) : ISandboxEvent;

/// <summary>What the host knew of the current execution when the checkpoint was taken: its number,
/// the events not yet acknowledged by a client, and the counters to continue from.</summary>
public sealed record ExecutionCarryOver(uint ExecId, uint NextExecId, long Seq, bool Killed, bool Finished, bool LastExecKilled,
    IReadOnlyList<SandboxProtocol.ExecutionEvent> Unacked);

/// <summary>The sandbox was restored from its latest checkpoint on <paramref name="Node"/>.</summary>
public sealed record SandboxRestored(string Node, DateTimeOffset At) : ISandboxEvent;
