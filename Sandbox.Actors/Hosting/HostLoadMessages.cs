using Sandbox.Actors.Sandboxes;

namespace Sandbox.Actors.Hosting;

/// <summary>Asks a host agent for its <see cref="HostLoad"/>.</summary>
public sealed record GetHostLoad : ISandboxWireMessage
{
    public static readonly GetHostLoad Instance = new();
}

/// <summary>Stops admitting new sandboxes on this host (the first step of `node drain`); answered with its <see cref="HostLoad"/>.</summary>
public sealed record DrainHost : ISandboxWireMessage
{
    public static readonly DrainHost Instance = new();
}

/// <summary>
/// What a sandbox host reports about itself: its slots (<see cref="HostCapacity"/>), whether it is
/// draining, and which shards of the sandbox region it holds (placement picks ids in those shards).
/// </summary>
public sealed record HostLoad(
    string Node,
    int Sandboxes,
    int MaxSandboxes,
    int Starting,
    int MaxConcurrentStarts,
    bool Draining,
    IReadOnlyList<string> Shards,
    IReadOnlyList<string> SandboxIds) : ISandboxWireMessage
{
    public int Free => Draining ? 0 : Math.Max(0, MaxSandboxes - Sandboxes);
}
