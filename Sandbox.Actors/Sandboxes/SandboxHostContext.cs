using Sandbox.Actors.Catalog;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Storage;
using Sandbox.Actors.Runsc;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Sandboxes;
/// <summary>What every sandbox actor on this node shares: the runsc driver, its node name and registry.</summary>
public sealed record SandboxHostContext(RunscCli Runsc, SandboxHostOptions Options, string NodeName, ContainerRegistry Registry)
{
    /// <summary>Checkpoint storage; null when checkpointing is off on this node.</summary>
    public IObjectStore? Checkpoints { get; init; }
    /// <summary>Containers started ahead of demand; null when the pool is off.</summary>
    public WarmPool? Pool { get; init; }
    /// <summary>Filesystem snapshot storage; null when snapshots are off.</summary>
    public IObjectStore? Snapshots { get; init; }
    /// <summary>This node's sandbox networks; null when networking is off (RUNSC_DISABLE_NETWORKING is not false).</summary>
    public Network.SandboxNetworks? Networks { get; init; }
    /// <summary>Where every sandbox keeps its row (listing, quotas, sweeps); null in tests that need none.</summary>
    public ISandboxCatalog? Catalog { get; init; }
    /// <summary>Fork images taken on this node, kept a while for forks that start here.</summary>
    public Operations.LocalForkImages ForkImages { get; init; } = new(Operations.LocalForkImages.DefaultKeepFor);
    /// <summary>This node's sandbox slots, shared by every sandbox actor and the host agent.</summary>
    public HostCapacity Capacity { get; init; } = new(Options.MaxSandboxes ?? SandboxHostOptions.UnsizedMaxSandboxes, Options.MaxConcurrentStarts);
}
