namespace Sandbox.Client;

/// <summary>A file, directory or symlink inside a sandbox; <see cref="Type"/> is file, dir or symlink.</summary>
public sealed record FileEntry(string Name, string Path, string Type, long Size, int Mode, DateTimeOffset ModifiedAt);
