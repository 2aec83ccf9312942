namespace Sandbox.Gateway.Api;

/// <summary>A file, directory or symlink inside a sandbox (API-v1.md §3).</summary>
/// <param name="Type"><c>file</c>, <c>dir</c> or <c>symlink</c>.</param>
/// <param name="Mode">Permission bits, e.g. 420 (0644).</param>
public sealed record FileEntryView(string Name, string Path, string Type, long Size, int Mode, DateTimeOffset ModifiedAt);
