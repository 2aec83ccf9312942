namespace Sandbox.Actors.Runner;

public enum FileEntryType
{
    File,
    Directory,
    Symlink,
    /// <summary>A device, FIFO or socket.</summary>
    Other,
}
