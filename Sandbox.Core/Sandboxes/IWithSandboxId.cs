namespace Sandbox.Core.Sandboxes;

/// <summary>Routed by sharding to the sandbox's entity.</summary>
public interface IWithSandboxId : ISandboxWireMessage
{
    string SandboxId { get; }
}
