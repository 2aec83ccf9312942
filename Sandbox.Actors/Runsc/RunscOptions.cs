namespace Sandbox.Actors.Runsc;

/// <summary>
/// How this node drives gVisor, read from the environment variables of PROTOCOL.md §12.1 plus our
/// own (rootfs location). Booleans are true when the value, lowercased, is "true" or "1".
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
    public bool IgnoreCgroups { get; init; } = true;
    /// <summary>ptrace by default (the choice: it works on every host; systrap also works here).</summary>
    public string Platform { get; init; } = "ptrace";
    /// <summary>Sandboxes never get the host's network. This variable is accepted for compatibility; with
    /// networking "enabled" we still use <c>none</c> until a private per-sandbox network exists.</summary>
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

    public static RunscOptions FromEnvironment(Func<string, string?>? env = null, string? dataDir = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var d = new RunscOptions();
        bool Flag(string name, bool fallback)
        {
            var v = env(name);
            return string.IsNullOrWhiteSpace(v) ? fallback : v.Trim().ToLowerInvariant() is "true" or "1";
        }
        string Str(string name, string fallback)
        {
            var v = env(name);
            return string.IsNullOrWhiteSpace(v) ? fallback : v.Trim();
        }
        var rootfsDefault = dataDir is null ? d.RootfsPath : Path.Combine(dataDir, "rootfs");
        return d with
        {
            RunscBinary = Str("RUNSC_BINARY", d.RunscBinary),
            UseSudo = Flag("RUNSC_USE_SUDO", d.UseSudo),
            Rootless = Flag("RUNSC_ROOTLESS", d.Rootless),
            RootDirBase = Str("RUNSC_ROOT_DIR_BASE", d.RootDirBase),
            BundleDirBase = Str("RUNSC_BUNDLE_DIR_BASE", d.BundleDirBase),
            IgnoreCgroups = Flag("RUNSC_IGNORE_CGROUPS", d.IgnoreCgroups),
            // An empty RUNSC_PLATFORM means "runsc's own default" (the flag is omitted), as in the reference.
            Platform = env("RUNSC_PLATFORM") is { } p ? p.Trim() : d.Platform,
            DisableNetworking = Flag("RUNSC_DISABLE_NETWORKING", d.DisableNetworking),
            ReadonlyFilesystem = Flag("RUNSC_READONLY_FILESYSTEM", d.ReadonlyFilesystem),
            Debug = Flag("GVISOR_DEBUG", d.Debug),
            Strace = Flag("GVISOR_STRACE", d.Strace),
            // The original documentation misspelt this one; both spellings are honoured.
            LogPackets = Flag("GVISOR_LOG_PACKETS", Flag("GVISOR_LOG_PACEKTS", d.LogPackets)),
            DebugLogDir = Str("GVISOR_DEBUG_LOG_DIR", d.DebugLogDir),
            RootfsPath = Str("SANDBOX_ROOTFS", rootfsDefault),
            Limits = ResourceLimits.FromEnvironment(env),
        };
    }

    public string RootDirFor(string sandboxId) => Path.Combine(RootDirBase, $"runsc_root_{sandboxId}");
    public string BundleDirFor(string sandboxId) => Path.Combine(BundleDirBase, $"runsc_bundle_{sandboxId}");
}
