namespace Sandbox.Core.Sandboxes;

/// <summary>Every change of a sandbox's state is one of these, applied by <see cref="SandboxState.Apply"/>.</summary>
public interface ISandboxEvent;
