using System.Globalization;
using System.Net;
using System.Text;

namespace Sandbox.Benchmark;

/// <summary>Memory of a set of processes at one moment, in bytes.</summary>
public sealed record ProcessMemory(int Processes, long RssBytes, long PssBytes);

/// <summary>How the server process was found, so the report says which process its figures describe.</summary>
public sealed record ServerProcess(int Pid, string How, string CommandLine);

/// <summary>
/// Reads Linux /proc. Everything here tolerates processes that exit between listing and reading
/// (sandboxes come and go while it runs) by skipping them.
/// </summary>
public static class ProcFs
{
    /// <summary>
    /// The given PID, else the process listening on the URL's port (exact even when several servers
    /// run), else the one whose command line contains Sandbox.Host.dll.
    /// </summary>
    public static (ServerProcess? Server, string? Problem) FindServer(int? givenPid, Uri baseUrl)
    {
        if (givenPid is { } pid)
            return Directory.Exists($"/proc/{pid}") ? (new ServerProcess(pid, "--server-pid", CommandLine(pid)), null) : (null, $"--server-pid {pid}: no such process");

        if (IsLocal(baseUrl) && ListeningPid(baseUrl.Port) is { } listener)
            return (new ServerProcess(listener, $"listens on port {baseUrl.Port}", CommandLine(listener)), null);

        var self = Environment.ProcessId;
        var candidates = AllPids().Where(p => p != self && CommandLine(p).Contains("Sandbox.Host.dll", StringComparison.Ordinal)).ToList();
        return candidates.Count switch
        {
            1 => (new ServerProcess(candidates[0], "command line contains Sandbox.Host.dll", CommandLine(candidates[0])), null),
            0 => (null, "no process listens on the URL's port and none has Sandbox.Host.dll in its command line (pass --server-pid)"),
            _ => (null, $"several Sandbox.Host.dll processes ({string.Join(", ", candidates)}) and none found on the URL's port; pass --server-pid"),
        };
    }

    public static ProcessMemory Memory(IEnumerable<int> pids)
    {
        int count = 0;
        long rss = 0, pss = 0;
        foreach (var pid in pids)
        {
            var status = StatusField(pid, "VmRSS");
            if (status is null) continue; // exited, or a kernel thread (no VmRSS)
            count++;
            rss += status.Value;
            pss += SmapsRollupField(pid, "Pss") ?? 0;
        }
        return new ProcessMemory(count, rss, pss);
    }

    /// <summary>The same figures per gVisor role, to show where gVisor's memory sits.</summary>
    public static Dictionary<string, ProcessMemory> MemoryByRole(IEnumerable<int> pids) =>
        pids.GroupBy(RunscRole).Where(g => g.Key is not null).ToDictionary(g => g.Key!, g => Memory(g));

    /// <summary>
    /// runsc re-executes itself for the sentry and the gofer (comm "exe", argv[0] "runsc-sandbox" /
    /// "runsc-gofer"); the platform's stub processes are forks of the sentry with an empty command line.
    /// </summary>
    private static string? RunscRole(int pid)
    {
        var comm = ReadOrNull($"/proc/{pid}/comm")?.Trim();
        if (comm is null) return null;
        var argv0 = ReadOrNull($"/proc/{pid}/cmdline")?.Split('\0')[0] ?? "";
        return argv0 switch
        {
            "runsc-sandbox" => "runsc-sandbox (sentry)",
            "runsc-gofer" => "runsc-gofer",
            "" => "platform stubs",
            _ when comm == "runsc" => "runsc run",
            _ => comm,
        };
    }

    /// <summary>
    /// gVisor's processes: comm starting with "runsc" (runsc, runsc-sandbox, runsc-gofer) or the
    /// runsc executable (the ptrace platform's stub processes re-use it). With a known server, only
    /// its descendants, so sandboxes of another server on the machine do not count.
    /// </summary>
    public static List<int> RunscProcesses(int? underPid)
    {
        var parents = new Dictionary<int, int>();
        var result = new List<int>();
        foreach (var pid in AllPids())
        {
            var comm = ReadOrNull($"/proc/{pid}/comm")?.Trim();
            if (comm is null) continue;
            var isRunsc = comm.StartsWith("runsc", StringComparison.Ordinal) || ExecutableName(pid) == "runsc";
            if (isRunsc && (underPid is not { } root || IsDescendant(pid, root, parents))) result.Add(pid);
        }
        return result;
    }

    /// <summary>The --platform flag on the command lines of runsc processes, which is what gVisor really runs with.</summary>
    public static string[] RunscPlatformFlags(IEnumerable<int> runscPids) =>
        runscPids.SelectMany(p => CommandLine(p).Split(' ')).Where(a => a.StartsWith("--platform", StringComparison.Ordinal)).Distinct().ToArray();

    /// <summary>A process's environment variable: (readable, value or null when unset).</summary>
    public static (bool Readable, string? Value) EnvironmentVariable(int pid, string name)
    {
        var environ = ReadOrNull($"/proc/{pid}/environ");
        if (environ is null) return (false, null);
        var entry = environ.Split('\0').FirstOrDefault(e => e.StartsWith(name + "=", StringComparison.Ordinal));
        return (true, entry?[(name.Length + 1)..]);
    }

    public static string CommandLine(int pid) => ReadOrNull($"/proc/{pid}/cmdline")?.Replace('\0', ' ').Trim() ?? "";

    public static long? StatusField(int pid, string field) => KilobyteField(ReadOrNull($"/proc/{pid}/status"), field);

    public static long? MeminfoField(string field) => KilobyteField(ReadOrNull("/proc/meminfo"), field);

    public static string? CpuModel() =>
        ReadOrNull("/proc/cpuinfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();

    public static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? SmapsRollupField(int pid, string field) => KilobyteField(ReadOrNull($"/proc/{pid}/smaps_rollup"), field);

    /// <summary>"Field:   1234 kB" lines of /proc/…/status, smaps_rollup and meminfo, in bytes.</summary>
    private static long? KilobyteField(string? text, string field) => NumberField(text, field) * 1024;

    /// <summary>The first number after "Field:" in a /proc key-value file.</summary>
    private static long? NumberField(string? text, string field)
    {
        if (text is null) return null;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            var number = line[(field.Length + 1)..].Trim().Split(' ', '\t')[0];
            return long.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        return null;
    }

    private static IEnumerable<int> AllPids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                yield return pid;
    }

    private static string? ExecutableName(int pid)
    {
        try
        {
            var target = new FileInfo($"/proc/{pid}/exe").LinkTarget;
            return target is null ? null : Path.GetFileName(target.Replace(" (deleted)", ""));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsDescendant(int pid, int ancestor, Dictionary<int, int> parents)
    {
        // bounded walk: a PID tree is shallow, and a cycle through a recycled PID must not loop forever
        for (var hops = 0; hops < 64 && pid > 1; hops++)
        {
            if (!parents.TryGetValue(pid, out var parent))
                parents[pid] = parent = (int)(NumberField(ReadOrNull($"/proc/{pid}/status"), "PPid") ?? 0);
            if (parent == ancestor) return true;
            pid = parent;
        }
        return false;
    }

    private static bool IsLocal(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)));

    /// <summary>The process owning a TCP socket in LISTEN state on the port (from /proc/net/tcp{,6} and /proc/*/fd).</summary>
    private static int? ListeningPid(int port)
    {
        var inodes = new HashSet<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in (ReadOrNull(table) ?? "").Split('\n').Skip(1))
            {
                var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // cols: sl local_address rem_address st ... inode(9); state 0A is LISTEN
                if (cols.Length < 10 || cols[3] != "0A") continue;
                var localPort = cols[1].Split(':')[^1];
                if (int.TryParse(localPort, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var p) && p == port) inodes.Add($"socket:[{cols[9]}]");
            }
        }
        if (inodes.Count == 0) return null;
        foreach (var pid in AllPids())
        {
            try
            {
                foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
                    if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target)) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // process gone or not ours to inspect
            }
        }
        return null;
    }
}
