namespace Sandbox.Actors.Runner;

/// <summary>A file or directory as code in the sandbox sees it (symlinks are not followed).</summary>
public sealed record FileEntry(string Name, string Path, FileEntryType Type, long Size, int Mode, DateTimeOffset ModifiedAt);
