using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbox.Actors.Runner;

namespace Sandbox.Actors.Runsc;

/// <summary>
/// The OCI bundle of one sandbox: <c>config.json</c> plus its private writable layer. The root
/// filesystem is a kernel overlay whose lower layer is the shared, read-only rootfs image and whose
/// upper layer holds everything this sandbox changed, deletions included (as overlayfs whiteouts).
/// <para>
/// The writable layer lives in <c>layer/</c>: a tmpfs of the sandbox's disk limit (a plain directory
/// without one) holding the overlay's <c>upper/</c> and <c>work/</c>, which overlayfs wants on one
/// mount. <c>upper/</c> at the top of the bundle is a bind mount of <c>layer/upper</c>, so filesystem
/// snapshots and checkpoints read and write the layer at the same archive path as always.
/// </para>
/// </summary>
public sealed class OciBundle
{
    /// <summary>Names the container, its bundle and its runsc state: the sandbox id for a sandbox
    /// started on demand, a <c>pool-…</c> key for one taken from the warm pool. Recorded in the
    /// journal, so a restore finds the bundle path its checkpoint was taken with.</summary>
    public string ContainerKey { get; }
    public string Dir { get; }
    /// <summary>The writable layer as archives see it (a bind mount of <see cref="LayerUpperDir"/>).</summary>
    public string UpperDir => Path.Combine(Dir, "upper");
    /// <summary>The mount that carries the writable layer and its size limit.</summary>
    public string LayerDir => Path.Combine(Dir, "layer");
    public string LayerUpperDir => Path.Combine(LayerDir, "upper");
    public string WorkDir => Path.Combine(LayerDir, "work");
    public string MergedDir => Path.Combine(Dir, "rootfs");
    private readonly RunscOptions _options;

    public OciBundle(RunscOptions options, string containerKey)
    {
        _options = options;
        ContainerKey = containerKey;
        Dir = options.BundleDirFor(containerKey);
    }

    /// <summary>The program run as PID 1 instead of the resident runner (tests of a hostile runner only).</summary>
    internal string? RunnerOverride { get; init; }

    /// <summary>Whether PID 1 reads <see cref="RunnerProgram.Preamble"/> from stdin first (the resident runner does).</summary>
    public bool ReadsRunnerPreamble => RunnerOverride is null;

    public string ImageDir => Path.Combine(Dir, "image");

    /// <summary>Writes config.json and mounts the overlay, after <paramref name="seedUpperDir"/> filled
    /// the writable layer (a snapshot). Idempotent for a restore on the same path.</summary>
    public async Task PrepareAsync(Func<string, Task>? seedUpperDir)
    {
        if (!File.Exists(Path.Combine(_options.RootfsPath, "usr/bin/python3")))
            throw new InvalidOperationException(
                $"sandbox rootfs not found at {_options.RootfsPath} (run scripts/provision-rootfs.sh or set SANDBOX_ROOTFS)");
        Directory.CreateDirectory(Dir);
        string rootPath;
        if (_options.ReadonlyFilesystem)
        {
            rootPath = _options.RootfsPath;
        }
        else
        {
            PrepareWritableLayer();
            if (seedUpperDir is not null) await seedUpperDir(UpperDir);
            WriteResolvConf();
            Directory.CreateDirectory(MergedDir);
            if (!IsMounted(MergedDir))
            {
                // overlayfs wants an empty work directory of its own on every mount
                TryDelete(WorkDir);
                Directory.CreateDirectory(WorkDir);
                Mount("overlay", MergedDir, "overlay", 0, $"lowerdir={_options.RootfsPath},upperdir={LayerUpperDir},workdir={WorkDir}", "the sandbox overlay");
            }
            rootPath = MergedDir;
        }
        File.WriteAllText(Path.Combine(Dir, "config.json"), BuildConfig(rootPath).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private Network.ContainerNetwork? NetworkLease => _options.Networks?.Find(ContainerKey);

    /// <summary>
    /// A networked sandbox resolves through the node's forwarder at its gateway. Written into the
    /// writable layer before the overlay is mounted (gVisor does not see host-side changes of a
    /// running sandbox's files), and only when the layer has no resolv.conf yet, so a restore or a
    /// snapshot keeps what the sandbox had (the node intercepts port 53 anyway).
    /// </summary>
    private void WriteResolvConf()
    {
        if (NetworkLease is not { } network) return;
        var etc = Path.Combine(LayerUpperDir, "etc");
        var path = Path.Combine(etc, "resolv.conf");
        // File.Exists is also true for a whiteout (the character device overlayfs leaves for a deleted file)
        if (File.Exists(path) || Directory.Exists(path)) return;
        Directory.CreateDirectory(etc);
        File.WriteAllText(path, network.ResolvConf);
    }

    /// <summary>The OCI runtime spec of this sandbox with <paramref name="rootPath"/> as its root.</summary>
    public JsonObject BuildConfig(string rootPath) => new()
    {
        ["ociVersion"] = "1.0.0",
        ["process"] = new JsonObject
        {
            ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
            // The resident runner comes through stdin (RunnerProgram): nothing of the host is mounted into the sandbox.
            ["args"] = new JsonArray("python3", "-c", RunnerOverride ?? RunnerProgram.Bootstrap),
            // Only the runner holds these: CAP_SYS_ADMIN to cover its own /proc/1/fd (the host's pipes)
            // and to set a fork's hostname, CAP_SETPCAP to empty every child's bounding set. Each child
            // drops all capabilities before user code runs (SECURITY.md, "The runner's channel").
            ["capabilities"] = new JsonObject
            {
                ["bounding"] = new JsonArray("CAP_SYS_ADMIN", "CAP_SETPCAP"),
                ["effective"] = new JsonArray("CAP_SYS_ADMIN", "CAP_SETPCAP"),
                ["permitted"] = new JsonArray("CAP_SYS_ADMIN", "CAP_SETPCAP"),
            },
            ["cwd"] = "/",
            ["env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
                $"{RunnerLimitsVariable}={RunnerLimits()}"),
        },
        ["root"] = new JsonObject { ["path"] = rootPath, ["readonly"] = _options.ReadonlyFilesystem },
        ["hostname"] = "sandbox",
        ["mounts"] = new JsonArray(
            new JsonObject { ["destination"] = "/proc", ["type"] = "proc", ["source"] = "proc" }),
        ["linux"] = Linux(),
        ["annotations"] = new JsonObject(),
    };

    /// <summary>How the resident runner learns the limits it applies to every execution.</summary>
    public const string RunnerLimitsVariable = "SANDBOX_RUNNER_LIMITS";

    private string RunnerLimits()
    {
        var l = _options.Limits;
        return new JsonObject
        {
            ["memory_mb"] = l.MemoryMb, ["pids"] = l.Pids, ["disk_mb"] = _options.ReadonlyFilesystem ? 0 : l.DiskMb,
        }.ToJsonString();
    }

    private JsonObject Linux()
    {
        var namespaces = new JsonArray(
            new JsonObject { ["type"] = "pid" }, new JsonObject { ["type"] = "ipc" },
            new JsonObject { ["type"] = "uts" }, new JsonObject { ["type"] = "mount" });
        // runsc (--network=sandbox) takes this namespace's interfaces into gVisor's netstack.
        if (NetworkLease is { } network) namespaces.Add(new JsonObject { ["type"] = "network", ["path"] = network.NamespacePath });
        var linux = new JsonObject { ["namespaces"] = namespaces };
        // runsc puts the whole sandbox (sentry, gofer) into host cgroups made from these, and tells
        // the sentry its memory size from the cap. With --ignore-cgroups runsc skips them entirely.
        if (_options.IgnoreCgroups) return linux;
        var resources = new JsonObject();
        if (_options.Limits.HostMemoryBytes is { } memory) resources["memory"] = new JsonObject { ["limit"] = memory };
        if (_options.Limits.CpuQuotaMicros is { } quota)
            resources["cpu"] = new JsonObject { ["quota"] = quota, ["period"] = ResourceLimits.CpuPeriodMicros };
        if (resources.Count > 0) linux["resources"] = resources;
        return linux;
    }

    /// <summary>
    /// Mounts the writable layer (tmpfs of the disk limit) and its bind mount at <see cref="UpperDir"/>,
    /// unless they are there already. A restore calls this before unpacking a checkpoint into the
    /// bundle, so the unpacked layer is held to the same limit as the running sandbox.
    /// </summary>
    public void PrepareWritableLayer()
    {
        Directory.CreateDirectory(LayerDir);
        var diskMb = _options.Limits.DiskMb;
        if (diskMb > 0 && !IsMounted(LayerDir))
        {
            // Inodes are bounded too, or millions of empty files could pin host kernel memory.
            var inodes = Math.Max(16_384L, diskMb * 256L);
            Mount("tmpfs", LayerDir, "tmpfs", Native.MS_NOSUID | Native.MS_NODEV, $"size={diskMb}m,nr_inodes={inodes},mode=0755", "the sandbox's writable layer");
        }
        Directory.CreateDirectory(LayerUpperDir);
        Directory.CreateDirectory(UpperDir);
        if (!IsMounted(UpperDir)) Mount(LayerUpperDir, UpperDir, "", Native.MS_BIND, "", "the sandbox's writable layer");
    }

    private static void Mount(string source, string target, string fstype, ulong flags, string data, string what)
    {
        if (Native.mount(source, target, fstype, flags, data) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"cannot mount {what} at {target}: {Native.StrError(errno)}");
        }
    }

    /// <summary>Unmounts the overlay and removes the bundle with the sandbox's writable layer.</summary>
    public void Destroy()
    {
        Unmount();
        TryDelete(Dir);
    }

    /// <summary>Unmounts the root overlay, then the layer it was built on.</summary>
    public void Unmount()
    {
        foreach (var mountPoint in new[] { MergedDir, UpperDir, LayerDir })
            if (IsMounted(mountPoint)) Native.umount2(mountPoint, Native.MNT_DETACH);
    }

    public static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (Exception) { /* a later cleanup pass retries; never fail a teardown for this */ }
    }

    public static bool IsMounted(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        try
        {
            foreach (var line in File.ReadLines("/proc/self/mounts"))
            {
                var parts = line.Split(' ');
                if (parts.Length > 1 && parts[1] == full) return true;
            }
        }
        catch (IOException) { }
        return false;
    }

    private static class Native
    {
        public const int MNT_DETACH = 2;
        public const ulong MS_NOSUID = 2;
        public const ulong MS_NODEV = 4;
        public const ulong MS_BIND = 4096;
        [DllImport("libc", SetLastError = true)]
        public static extern int mount(string source, string target, string fstype, ulong flags, string data);
        [DllImport("libc", SetLastError = true)]
        public static extern int umount2(string target, int flags);
        [DllImport("libc")]
        private static extern IntPtr strerror(int errnum);
        public static string StrError(int errno) => Marshal.PtrToStringAnsi(strerror(errno)) ?? $"errno {errno}";
    }
}
