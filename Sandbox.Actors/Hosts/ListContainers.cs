using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Hosts;

/// <summary>Asks a sandbox host which containers it runs (HTTP /list).</summary>
public sealed record ListContainers : ISandboxWireMessage
{
    public static readonly ListContainers Instance = new();
}
