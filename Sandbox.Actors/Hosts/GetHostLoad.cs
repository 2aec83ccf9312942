using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Hosts;

/// <summary>Asks a host agent for its <see cref="HostLoad"/>.</summary>
public sealed record GetHostLoad : ISandboxWireMessage
{
    public static readonly GetHostLoad Instance = new();
}
