using System.Globalization;
using System.Runtime.InteropServices;

namespace Sandbox.Benchmark;

/// <summary>CPU used so far by a server and everything it started, in milliseconds.</summary>
/// <param name="ServerMs">The server process itself (utime + stime of all its threads).</param>
/// <param name="DescendantsMs">Its children: reaped ones (the server's cutime + cstime: runsc commands, helpers,
/// containers that ended) plus the live ones with their own reaped children (sentries, gofers, ptrace stubs).</param>
public sealed record TreeCpu(double ServerMs, double DescendantsMs)
{
    public double TotalMs => ServerMs + DescendantsMs;
    public static TreeCpu operator -(TreeCpu a, TreeCpu b) => new(a.ServerMs - b.ServerMs, a.DescendantsMs - b.DescendantsMs);
}

/// <summary>
/// Reads CPU accounting from /proc/PID/stat (fields 14–17: utime, stime, cutime, cstime, in clock ticks).
/// A process's time lands in its reaper's cutime when it ends, so server + live descendants (each with
/// its cutime) counts every process of the tree once, live or gone. Processes re-parented to init
/// (orphans) drop out: their time is lost, which undercounts, never overcounts.
/// </summary>
public static class ProcessTreeCpu
{
    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);
    private const int ScClkTck = 2;
    private static readonly double MsPerTick = 1000.0 / Math.Max(1, TryClockTicks());

    private static long TryClockTicks()
    {
        try { return SysConf(ScClkTck); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return 100; }
    }

    public static TreeCpu Read(int serverPid)
    {
        var server = Times(serverPid);
        if (server is null) return new TreeCpu(0, 0);
        var (parents, times) = Snapshot();
        double descendantsTicks = server.Value.ChildrenTicks;
        foreach (var (pid, t) in times)
            if (pid != serverPid && IsDescendant(pid, serverPid, parents)) descendantsTicks += t.OwnTicks + t.ChildrenTicks;
        return new TreeCpu(server.Value.OwnTicks * MsPerTick, descendantsTicks * MsPerTick);
    }

    /// <summary>(utime + stime, cutime + cstime) and the parent of a /proc/PID/stat line.</summary>
    public static (long OwnTicks, long ChildrenTicks, int Ppid)? ParseStat(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0) return null;
        var f = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // after the command: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17), so index = field − 3
        if (f.Length < 15) return null;
        long L(int field) => long.TryParse(f[field - 3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : 0;
        return (L(14) + L(15), L(16) + L(17), (int)L(4));
    }

    private static (long OwnTicks, long ChildrenTicks, int Ppid)? Times(int pid) =>
        ProcFs.ReadOrNull($"/proc/{pid}/stat") is { } s ? ParseStat(s) : null;

    private static (Dictionary<int, int> Parents, Dictionary<int, (long OwnTicks, long ChildrenTicks)> Times) Snapshot()
    {
        var parents = new Dictionary<int, int>();
        var times = new Dictionary<int, (long, long)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (Times(pid) is not { } t) continue;
            parents[pid] = t.Ppid;
            times[pid] = (t.OwnTicks, t.ChildrenTicks);
        }
        return (parents, times);
    }

    private static bool IsDescendant(int pid, int ancestor, Dictionary<int, int> parents)
    {
        for (var hops = 0; hops < 64 && pid > 1; hops++)
        {
            if (!parents.TryGetValue(pid, out var parent)) return false;
            if (parent == ancestor) return true;
            pid = parent;
        }
        return false;
    }
}
