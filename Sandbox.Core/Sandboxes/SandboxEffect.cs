using Sandbox.Core.Execution;

namespace Sandbox.Core.Sandboxes;

/// <summary>
/// Something the actor does after a decision's events are applied, in order. Effects that take time
/// end with one of <see cref="SandboxSignals"/> sent back to the sandbox.
/// </summary>
public abstract record SandboxEffect
{
    // ---- messages ------------------------------------------------------------------------------
    /// <summary>Tells <paramref name="To"/> a message (a session event, an operator answer, info).</summary>
    public sealed record Send(ClientRef To, object Message) : SandboxEffect;
    /// <summary>Learn when this client goes away (<see cref="SandboxSignals.ClientGone"/>).</summary>
    public sealed record Watch(ClientRef Client) : SandboxEffect;
    public sealed record Unwatch(ClientRef Client) : SandboxEffect;

    // ---- the container ----------------------------------------------------------------------------
    /// <summary>Start the first container (a warm one unless a snapshot seeds it) → ContainerStarted/ContainerFailed.</summary>
    public sealed record StartContainer(string? SnapshotName) : SandboxEffect;
    /// <summary>Restore the latest checkpoint → ContainerStarted(restored)/RestoreFailedSignal.</summary>
    public sealed record RestoreContainer(CheckpointRef Checkpoint, string ContainerKey) : SandboxEffect;
    /// <summary>Kill the container and remove its bundle and state → ContainerDestroyed.</summary>
    public sealed record DestroyContainer : SandboxEffect;
    /// <summary>Remove whatever an earlier incarnation left on this node → LeftoversRemoved.</summary>
    public sealed record RemoveLeftovers(string ContainerKey) : SandboxEffect;
    /// <summary>`runsc pause` or `runsc resume` for an operator → answered to <paramref name="ReplyTo"/>.</summary>
    public sealed record FreezeContainer(bool Freeze, ClientRef ReplyTo) : SandboxEffect;

    /// <summary>Put the container's network lease under <paramref name="Policy"/> (one nftables transaction, before the answer).</summary>
    public sealed record ApplyNetworkPolicy(SandboxNetworkPolicy Policy) : SandboxEffect;

    // ---- the runner ---------------------------------------------------------------------------------
    /// <summary>Start the execution as a runner process that may push <paramref name="Credit"/> bytes of output
    /// before the client acknowledges any (the output window).</summary>
    public sealed record StartExecution(uint ExecId, string Language, string Code, bool CloseStdin, long Credit) : SandboxEffect;
    public sealed record SendStdin(uint ExecId, string Data) : SandboxEffect;
    public sealed record KillExecution(uint ExecId) : SandboxEffect;
    /// <summary>Sync the filesystem (and with <paramref name="Quiesce"/> stop producing output) → RunnerSynced.</summary>
    public sealed record SyncRunner(uint SyncId, bool Quiesce) : SandboxEffect;
    /// <summary>The runner was quiesced for a checkpoint that did not happen: let it go on.</summary>
    public sealed record ResumeRunner : SandboxEffect;
    /// <summary>The execution may push <paramref name="Bytes"/> more output (the client took them, or they wait for nobody).</summary>
    public sealed record GrantOutputCredit(uint ExecId, long Bytes) : SandboxEffect;

    /// <summary>Perform a call against the runner; the answer goes straight to <paramref name="ReplyTo"/>.</summary>
    public sealed record PerformCall(Calls.ISandboxCall Call, ClientRef? ReplyTo) : SandboxEffect;

    // ---- long operations ---------------------------------------------------------------------------
    /// <summary>`runsc checkpoint`, one archive of image and writable layer into the store → CheckpointStoredSignal/CheckpointFailedSignal.</summary>
    public sealed record TakeCheckpoint : SandboxEffect;
    /// <summary>A tar of the writable layer into the snapshot store → SnapshotDone.</summary>
    public sealed record TakeSnapshot(string Name, ClientRef ReplyTo) : SandboxEffect;
    public sealed record DeleteStoredCheckpoint(string Key) : SandboxEffect;
    /// <summary>Freeze the running container, `runsc checkpoint --leave-running` it with its writable layer
    /// into the store, and let it go on → ForkImageTaken.</summary>
    public sealed record TakeForkImage : SandboxEffect;
    /// <summary>Start a fork's container from its image, under its own hostname → ContainerStarted/ContainerFailed.</summary>
    public sealed record StartFork(CheckpointRef Image, string ContainerKey, string Hostname) : SandboxEffect;
    /// <summary>Drop the sandbox's journal entries (it ended and nobody can ask for it any more).</summary>
    public sealed record ForgetJournal : SandboxEffect;

    // ---- the catalog -------------------------------------------------------------------------------
    /// <summary>Write the sandbox's row in the catalog (listing, quotas, sweeps); a newer version wins.</summary>
    public sealed record UpdateCatalog(SandboxSummary Summary) : SandboxEffect;
    public sealed record RemoveFromCatalog(string SandboxId) : SandboxEffect;

    // ---- timers ---------------------------------------------------------------------------------------
    public sealed record StartTimer(string Name, object Message, TimeSpan Delay) : SandboxEffect;
    public sealed record CancelTimer(string Name) : SandboxEffect;

    // ---- this node's books ---------------------------------------------------------------------
    /// <summary>Take a slot for a sandbox coming back from its checkpoint (always admitted).</summary>
    public sealed record AdmitRestore : SandboxEffect;
    /// <summary>The container runs: register it (swept after a crash) and stop counting it as starting.</summary>
    public sealed record ContainerRunning(string ContainerKey) : SandboxEffect;
    /// <summary>The container is gone: unregister it and free its slot.</summary>
    public sealed record ContainerGone(string ContainerKey) : SandboxEffect;
    /// <summary>Free the slot of a sandbox that never got a container.</summary>
    public sealed record ReleaseSlot : SandboxEffect;
    /// <summary>This host admitted a sandbox past its capacity: ask the sandbox it chose to pause (<see cref="SandboxProtocol.MakeRoom"/>).</summary>
    public sealed record PauseForRoom(string SandboxId) : SandboxEffect;

    // ---- the actor itself ----------------------------------------------------------------------------
    /// <summary>Keep the current command until the sandbox is able to decide it.</summary>
    public sealed record Defer : SandboxEffect;
    /// <summary>Decide the kept commands again, in order.</summary>
    public sealed record Unstash : SandboxEffect;
    /// <summary>Send the current command back through the shard region (it reaches the next incarnation).</summary>
    public sealed record Reroute : SandboxEffect;
    /// <summary>Ask the shard to stop this actor.</summary>
    public sealed record Passivate : SandboxEffect;
    public sealed record Stop : SandboxEffect;

    // ---- telemetry -------------------------------------------------------------------------------
    public sealed record Measure(Measurement What) : SandboxEffect;
    public sealed record Log(LogLevel Level, string Message) : SandboxEffect;
}
