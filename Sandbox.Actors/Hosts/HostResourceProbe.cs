using System.Globalization;
using Sandbox.Actors.Telemetry;

namespace Sandbox.Actors.Hosts;

/// <summary>
/// Reads <see cref="HostResources"/> from this machine: /proc/meminfo, the file system of a
/// directory (statvfs), /proc/sys/kernel/{pid_max,threads-max} and the task count of /proc/loadavg.
/// A figure that cannot be read is 0 (memory, disk: sizing then says the host holds nothing but one)
/// or, for the task limit, the kernel's usual 32768.
/// </summary>
public static class HostResourceProbe
{
    public static HostResources Read(string dataDir)
    {
        var (available, total) = HostMemory.ParseMeminfo(ReadOrEmpty("/proc/meminfo"));
        var (free, size) = Disk(dataDir);
        var pidMax = Number(ReadOrEmpty("/proc/sys/kernel/pid_max")) ?? 32768;
        var threadsMax = Number(ReadOrEmpty("/proc/sys/kernel/threads-max")) ?? pidMax;
        return new HostResources(total, available, free, size, Math.Min(pidMax, threadsMax), TasksInUse(ReadOrEmpty("/proc/loadavg")), Environment.ProcessorCount);
    }

    /// <summary>The total of "running/total" in a /proc/loadavg line (every thread on the machine).</summary>
    public static int TasksInUse(string loadavg)
    {
        var fields = loadavg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 4 && fields[3].Split('/') is [_, var total] && int.TryParse(total, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    private static (long Free, long Total) Disk(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var d = new DriveInfo(dir);
            return (d.AvailableFreeSpace, d.TotalSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return (0, 0); }
    }

    private static int? Number(string text) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;

    private static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }
}
