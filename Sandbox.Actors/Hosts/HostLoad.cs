using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Hosts;

/// <summary>
/// What a sandbox host reports about itself: its slots (<see cref="HostCapacity"/>), whether it is
/// draining, which shards of the sandbox region it holds (placement picks ids in those shards), and
/// how many of its sandboxes it could pause to make room for new ones when it is full.
/// </summary>
public sealed record HostLoad(
    string Node,
    int Sandboxes,
    int MaxSandboxes,
    int Starting,
    int MaxConcurrentStarts,
    bool Draining,
    IReadOnlyList<string> Shards,
    IReadOnlyList<string> SandboxIds,
    int Pausable = 0) : ISandboxWireMessage
{
    public int Free => Draining ? 0 : Math.Max(0, MaxSandboxes - Sandboxes);
}
