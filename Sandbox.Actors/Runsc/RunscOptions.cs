namespace Sandbox.Actors.Runsc;

/// <summary>
/// How this node drives gVisor: the variables of PROTOCOL.md §12.1 plus our own (rootfs location),
/// bound and validated by the host's configuration (Sandbox.Host/Configuration/NodeEnvironment.cs).
/// </summary>
public sealed record RunscOptions
{
    public string RunscBinary { get; init; } = "runsc";
    public bool UseSudo { get; init; }
    public bool Rootless { get; init; }
    /// <summary>Per-sandbox runsc state lives in <c>&lt;base&gt;/runsc_root_&lt;sandbox_id&gt;</c>.</summary>
    public string RootDirBase { get; init; } = "/tmp";
    /// <summary>Per-sandbox OCI bundle in <c>&lt;base&gt;/runsc_bundle_&lt;sandbox_id&gt;</c>: deterministic, because
    /// <c>runsc restore</c> needs the bundle path the checkpoint was taken with.</summary>
    public string BundleDirBase { get; init; } = "/tmp";
    /// <summary>runsc --ignore-cgroups: by default only where the host has no usable cgroups (then the
    /// sandbox's memory and CPU limits do not hold on the host; the node says so at start).</summary>
    public bool IgnoreCgroups { get; init; } = !HostCgroups.Usable;
    /// <summary>ptrace by default (the choice: it works on every host; systrap also works here).</summary>
    public string Platform { get; init; } = "ptrace";
    /// <summary>RUNSC_DISABLE_NETWORKING. Sandboxes never get the host's network: with networking on, the
    /// node's <see cref="Network.SandboxNetworks"/> gives each container a private one (<see cref="Networks"/>).</summary>
    public bool DisableNetworking { get; init; } = true;
    public bool ReadonlyFilesystem { get; init; }
    public bool Debug { get; init; }
    public bool Strace { get; init; }
    public bool LogPackets { get; init; }
    public string DebugLogDir { get; init; } = "/tmp/runsc";
    /// <summary>The sandbox root filesystem image (read only; each sandbox writes to its own overlay).</summary>
    public string RootfsPath { get; init; } = "/var/lib/gvisor-sandbox/rootfs";
    /// <summary>Per-sandbox resource limits (SECURITY.md says what enforces each, with and without cgroups).</summary>
    public ResourceLimits Limits { get; init; } = new();
    /// <summary>The containers with a network lease (<see cref="Network.SandboxNetworks.Attachments"/>);
    /// null on a node without networking. Every other container runs <c>--network=none</c>.</summary>
    public Network.ContainerNetworks? Networks { get; init; }

    public string RootDirFor(string sandboxId) => Path.Combine(RootDirBase, $"runsc_root_{sandboxId}");
    public string BundleDirFor(string sandboxId) => Path.Combine(BundleDirBase, $"runsc_bundle_{sandboxId}");
}
