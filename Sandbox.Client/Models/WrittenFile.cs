namespace Sandbox.Client;

/// <summary>A file as written: its absolute path in the sandbox and its size in bytes.</summary>
public sealed record WrittenFile(string Path, long Size);
