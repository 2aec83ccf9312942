namespace Sandbox.Actors.Runner;

public sealed record FileChange(FileChangeKind Kind, string Path);
