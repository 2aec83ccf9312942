namespace Sandbox.Client;

/// <summary>One change a watch saw: <see cref="Type"/> is created, modified or deleted.</summary>
public sealed record FileChange(string Type, string Path);
