namespace Sandbox.Core.Sandboxes;

/// <summary>Where a sandbox is in its life, as the journal records it.</summary>
public enum SandboxLifecycle
{
    /// <summary>Nothing was ever recorded under this id.</summary>
    New,
    /// <summary>Created; its first container is starting.</summary>
    Starting,
    /// <summary>A container runs it.</summary>
    Running,
    /// <summary>No container; its latest checkpoint holds memory, processes and files (the reference's "checkpointed").</summary>
    Paused,
    /// <summary>Gone for good; kept answerable with when and why.</summary>
    Ended,
}
