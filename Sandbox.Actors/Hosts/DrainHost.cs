using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Hosts;

/// <summary>Stops admitting new sandboxes on this host (the first step of `node drain`); answered with its <see cref="HostLoad"/>.</summary>
public sealed record DrainHost : ISandboxWireMessage
{
    public static readonly DrainHost Instance = new();
}
