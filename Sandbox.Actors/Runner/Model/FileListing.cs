namespace Sandbox.Actors.Runner;

/// <summary>Entries under a directory, breadth first, sorted by name per directory; <see cref="Truncated"/>
/// when there were more than the limit asked for.</summary>
public sealed record FileListing(IReadOnlyList<FileEntry> Entries, bool Truncated);
