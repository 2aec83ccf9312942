namespace Sandbox.Core.Sandboxes;

/// <summary>An API v1 command: it carries what its caller presented, checked before anything else.</summary>
public interface IApiCommand : IWithSandboxId
{
    Access Access { get; }
}
