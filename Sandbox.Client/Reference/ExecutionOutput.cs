namespace Sandbox.Client.Reference;

/// <summary>One output event of an execution of the reference protocol: <see cref="Stream"/> is stdout or stderr.</summary>
public sealed record ExecutionOutput(string Stream, string Text);
