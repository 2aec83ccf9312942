using Sandbox.Actors.Runsc;

namespace Sandbox.Actors.Telemetry;

/// <summary>
/// Reads a host's memory from /proc. A sandbox's memory is held by its runsc processes (the sentry,
/// the gofer, the runsc parent) and the ptrace stubs the sentry forks (which have no command line of
/// their own): the processes whose <c>--root=</c> is one of this node's containers', and everything
/// below them. Their PSS (from <c>smaps_rollup</c>) adds up without counting the sentry's memory file
/// twice; RSS (from <c>statm</c>) stands in where smaps_rollup is missing. A sandbox's writable layer
/// is a tmpfs (the disk limit) whose pages no process maps: its used space is added from statfs.
/// </summary>
public static class HostMemory
{
    private const string Proc = "/proc";

    public static HostMemoryReading Read(RunscOptions runsc, IReadOnlyCollection<string> containerKeys)
    {
        var (available, total) = ParseMeminfo(SafeRead(Path.Combine(Proc, "meminfo")) ?? "");
        var roots = containerKeys.Select(k => "--root=" + runsc.RootDirFor(k)).ToHashSet(StringComparer.Ordinal);
        var pids = roots.Count == 0 ? [] : SandboxProcesses(roots);
        long processes = 0;
        foreach (var pid in pids) processes += ProcessBytes(pid) ?? 0;
        long layers = 0;
        if (containerKeys.Count > 0)
        {
            var tmpfs = TmpfsMountPoints(SafeRead(Path.Combine(Proc, "self", "mounts")) ?? "");
            foreach (var key in containerKeys)
            {
                var layer = Path.Combine(runsc.BundleDirFor(key), "layer");
                if (tmpfs.Contains(layer)) layers += UsedBytes(layer);
            }
        }
        return new HostMemoryReading(processes + layers, layers, pids.Count, available, total);
    }

    /// <summary>The mount points of the tmpfs file systems in a /proc/PID/mounts text (octal escapes decoded).</summary>
    public static IReadOnlySet<string> TmpfsMountPoints(string mounts)
    {
        var points = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in mounts.Split('\n'))
        {
            var f = line.Split(' ');
            if (f.Length >= 3 && f[2] == "tmpfs") points.Add(System.Text.RegularExpressions.Regex.Replace(f[1], @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()));
        }
        return points;
    }

    private static long UsedBytes(string mountPoint)
    {
        try
        {
            var d = new DriveInfo(mountPoint);
            return Math.Max(0, d.TotalSize - d.TotalFreeSpace);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return 0; }
    }

    /// <summary>MemAvailable and MemTotal in bytes (0 when missing).</summary>
    public static (long Available, long Total) ParseMeminfo(string meminfo) => (Kilobytes(meminfo, "MemAvailable:") * 1024, Kilobytes(meminfo, "MemTotal:") * 1024);

    /// <summary>The <c>Pss:</c> line of an smaps_rollup, in bytes.</summary>
    public static long? ParsePss(string smapsRollup) => smapsRollup.Contains("\nPss:", StringComparison.Ordinal) || smapsRollup.StartsWith("Pss:", StringComparison.Ordinal)
        ? Kilobytes(smapsRollup, "Pss:") * 1024
        : null;

    /// <summary>The parent pid from a /proc/PID/stat line (the command name may hold spaces and parentheses).</summary>
    public static (string Comm, int Ppid)? ParseStat(string stat)
    {
        var open = stat.IndexOf('(');
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open) return null;
        var rest = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return rest.Length >= 2 && int.TryParse(rest[1], out var ppid) ? (stat[(open + 1)..close], ppid) : null;
    }

    /// <summary>The processes whose command line has one of <paramref name="rootFlags"/>, and all their descendants.</summary>
    public static IReadOnlyList<int> SandboxProcesses(IReadOnlySet<string> rootFlags)
    {
        var children = new Dictionary<int, List<int>>();
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories(Proc))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (SafeRead(Path.Combine(dir, "stat")) is not { } statText || ParseStat(statText) is not { } stat) continue;
            if (!children.TryGetValue(stat.Ppid, out var list)) children[stat.Ppid] = list = [];
            list.Add(pid);
            // runsc re-executes itself (/proc/self/exe): its processes are named "exe" or "runsc…"
            if (stat.Comm != "exe" && !stat.Comm.StartsWith("runsc", StringComparison.Ordinal)) continue;
            if (SafeRead(Path.Combine(dir, "cmdline")) is { } cmdline && cmdline.Split('\0').Any(rootFlags.Contains)) found.Add(pid);
        }
        var all = new HashSet<int>();
        var pending = new Stack<int>(found);
        while (pending.Count > 0 && all.Count < 100_000)
        {
            var pid = pending.Pop();
            if (!all.Add(pid)) continue;
            if (children.TryGetValue(pid, out var kids)) foreach (var k in kids) pending.Push(k);
        }
        return all.Order().ToList();
    }

    private static long? ProcessBytes(int pid)
    {
        var dir = Path.Combine(Proc, pid.ToString());
        if (SafeRead(Path.Combine(dir, "smaps_rollup")) is { } rollup && ParsePss(rollup) is { } pss) return pss;
        if (SafeRead(Path.Combine(dir, "statm")) is { } statm && statm.Split(' ') is { Length: > 1 } f && long.TryParse(f[1], out var pages))
            return pages * Environment.SystemPageSize;
        return null;
    }

    private static long Kilobytes(string text, string key)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var value = line[key.Length..].Trim();
            var space = value.IndexOf(' ');
            return long.TryParse(space < 0 ? value : value[..space], out var kb) ? kb : 0;
        }
        return 0;
    }

    /// <summary>A /proc file, or null when its process is gone or it cannot be read.</summary>
    private static string? SafeRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
