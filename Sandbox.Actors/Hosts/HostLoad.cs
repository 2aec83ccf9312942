using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Hosts;

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
