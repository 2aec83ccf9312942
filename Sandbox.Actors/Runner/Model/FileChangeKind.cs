namespace Sandbox.Actors.Runner;

public enum FileChangeKind
{
    Created,
    Modified,
    Deleted,
    /// <summary>Changes were lost (too many, too fast, for a slow watcher); re-list to catch up.</summary>
    Overflow,
}
