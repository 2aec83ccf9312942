namespace Sandbox.Core.Sandboxes;

/// <summary>What the sandbox's actor is busy with right now. Never journaled: a new incarnation
/// starts <see cref="Idle"/> (or <see cref="Recovering"/> when the journal says a container ran).</summary>
public enum SandboxPhase
{
    /// <summary>Nothing in flight: commands are decided as they come.</summary>
    Idle,
    /// <summary>The journal says a container ran, but this incarnation has none: removing leftovers first.</summary>
    Recovering,
    /// <summary>The first container is starting.</summary>
    Starting,
    /// <summary>A container is being restored from the latest checkpoint.</summary>
    Restoring,
    /// <summary>Quiescing the runner, `runsc checkpoint`, storing the archive.</summary>
    Checkpointing,
    /// <summary>The end is recorded; the container is being removed.</summary>
    TearingDown,
}
