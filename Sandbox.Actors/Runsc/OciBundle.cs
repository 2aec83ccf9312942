using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sandbox.Actors.Runsc;

/// <summary>
/// The OCI bundle of one sandbox: <c>config.json</c> plus its private writable layer. The root
/// filesystem is a kernel overlay whose lower layer is the shared, read-only rootfs image and whose
/// upper layer (<c>upper/</c>) holds everything this sandbox changed, deletions included (as
/// overlayfs whiteouts). That directory is what filesystem snapshots and checkpoints carry.
/// </summary>
public sealed class OciBundle
{
    /// <summary>Names the container, its bundle and its runsc state: the sandbox id for a sandbox
    /// started on demand, a <c>pool-…</c> key for one taken from the warm pool. Recorded in the
    /// journal, so a restore finds the bundle path its checkpoint was taken with.</summary>
    public string ContainerKey { get; }
    public string Dir { get; }
    public string UpperDir => Path.Combine(Dir, "upper");
    public string WorkDir => Path.Combine(Dir, "work");
    public string MergedDir => Path.Combine(Dir, "rootfs");
    private readonly RunscOptions _options;

    public OciBundle(RunscOptions options, string containerKey)
    {
        _options = options;
        ContainerKey = containerKey;
        Dir = options.BundleDirFor(containerKey);
    }

    private static readonly Lazy<string> RunnerSource = new(() =>
    {
        using var s = typeof(OciBundle).Assembly.GetManifestResourceStream("sandbox_runner.py")
                      ?? throw new InvalidOperationException("the resident runner is not embedded in Sandbox.Actors");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    });

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
            Directory.CreateDirectory(UpperDir);
            if (seedUpperDir is not null) await seedUpperDir(UpperDir);
            // overlayfs wants an empty work directory of its own on every mount
            OciBundle.TryDelete(WorkDir);
            Directory.CreateDirectory(WorkDir);
            Directory.CreateDirectory(MergedDir);
            if (!IsMounted(MergedDir)) MountOverlay();
            rootPath = MergedDir;
        }
        File.WriteAllText(Path.Combine(Dir, "config.json"), BuildConfig(rootPath).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private JsonObject BuildConfig(string rootPath) => new()
    {
        ["ociVersion"] = "1.0.0",
        ["process"] = new JsonObject
        {
            ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
            // The resident runner is passed inline: nothing of the host is mounted into the sandbox.
            ["args"] = new JsonArray("python3", "-c", RunnerSource.Value),
            ["cwd"] = "/",
            ["env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"),
        },
        ["root"] = new JsonObject { ["path"] = rootPath, ["readonly"] = _options.ReadonlyFilesystem },
        ["hostname"] = "sandbox",
        ["mounts"] = new JsonArray(
            new JsonObject { ["destination"] = "/proc", ["type"] = "proc", ["source"] = "proc" }),
        ["linux"] = new JsonObject
        {
            ["namespaces"] = new JsonArray(
                new JsonObject { ["type"] = "pid" }, new JsonObject { ["type"] = "ipc" },
                new JsonObject { ["type"] = "uts" }, new JsonObject { ["type"] = "mount" }),
        },
        ["annotations"] = new JsonObject(),
    };

    private void MountOverlay()
    {
        var data = $"lowerdir={_options.RootfsPath},upperdir={UpperDir},workdir={WorkDir}";
        if (Native.mount("overlay", MergedDir, "overlay", 0, data) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"cannot mount the sandbox overlay at {MergedDir}: {Native.StrError(errno)}");
        }
    }

    /// <summary>Unmounts the overlay and removes the bundle with the sandbox's writable layer.</summary>
    public void Destroy()
    {
        Unmount();
        TryDelete(Dir);
    }

    public void Unmount()
    {
        if (IsMounted(MergedDir)) Native.umount2(MergedDir, Native.MNT_DETACH);
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
        [DllImport("libc", SetLastError = true)]
        public static extern int mount(string source, string target, string fstype, ulong flags, string data);
        [DllImport("libc", SetLastError = true)]
        public static extern int umount2(string target, int flags);
        [DllImport("libc")]
        private static extern IntPtr strerror(int errnum);
        public static string StrError(int errno) => Marshal.PtrToStringAnsi(strerror(errno)) ?? $"errno {errno}";
    }
}
