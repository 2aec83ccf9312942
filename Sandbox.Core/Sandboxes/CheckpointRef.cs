namespace Sandbox.Core.Sandboxes;

/// <summary>Where a committed checkpoint is and how to recognise it intact, plus the host's half of
/// the foreground execution that was running when it was taken (the runner's half is in the image).</summary>
public sealed record CheckpointRef(string Key, long Size, string Sha256, long Generation, ExecutionCarryOver? Execution = null)
{
    /// <summary>A fork image other sandboxes start from too: never deleted by one of them.</summary>
    public bool Shared { get; init; }
}
