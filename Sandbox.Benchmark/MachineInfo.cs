using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sandbox.Benchmark;

/// <summary>What the numbers were measured on; printed first and stored with the results.</summary>
public sealed record MachineInfo
{
    public int Processors { get; init; }
    public string CpuModel { get; init; } = "unknown";
    public double? TotalMemoryGib { get; init; }
    public string Kernel { get; init; } = "unknown";
    public string RunscVersion { get; init; } = "unknown";
    /// <summary>The gVisor platform the server uses, with where that knowledge came from.</summary>
    public string Platform { get; init; } = "unknown";
    public string Dotnet { get; init; } = RuntimeInformation.FrameworkDescription;
    /// <summary>/proc/loadavg when the run began: other work on the machine skews every latency.</summary>
    public string LoadAverageAtStart { get; init; } = "unknown";
    /// <summary>runsc processes that do not belong to the benchmarked server (another server or a test suite).</summary>
    public int? OtherRunscProcessesAtStart { get; init; }
    public int? ServerPid { get; init; }
    public string? ServerFoundBy { get; init; }
    public string? ServerCommandLine { get; init; }

    public static async Task<MachineInfo> CollectAsync(ServerProcess? server, string? serverProblem)
    {
        return new MachineInfo
        {
            // nproc honours the CPU affinity mask, as Environment.ProcessorCount does
            Processors = Environment.ProcessorCount,
            CpuModel = ProcFs.CpuModel() ?? "unknown",
            TotalMemoryGib = ProcFs.MeminfoField("MemTotal") is { } bytes ? Math.Round(bytes / (1024.0 * 1024 * 1024), 1) : null,
            Kernel = ProcFs.ReadOrNull("/proc/sys/kernel/osrelease")?.Trim() ?? "unknown",
            RunscVersion = await RunscVersionAsync(),
            Platform = PlatformOf(server),
            LoadAverageAtStart = string.Join(" ", (ProcFs.ReadOrNull("/proc/loadavg") ?? "unknown").Split(' ').Take(3)),
            OtherRunscProcessesAtStart = server is null ? null : ProcFs.RunscProcesses(null).Count - ProcFs.RunscProcesses(server.Pid).Count,
            ServerPid = server?.Pid,
            ServerFoundBy = server?.How ?? serverProblem,
            ServerCommandLine = server?.CommandLine,
        };
    }

    public IEnumerable<string> Lines()
    {
        yield return $"machine:  {Processors} CPUs ({CpuModel}), {TotalMemoryGib?.ToString("0.0") ?? "?"} GiB RAM, Linux {Kernel}, {Dotnet}";
        yield return $"gVisor:   {RunscVersion}; platform {Platform}";
        var others = OtherRunscProcessesAtStart is > 0 ? $"; {OtherRunscProcessesAtStart} runsc processes of something else are running (they share the CPUs)" : "";
        yield return $"load:     {LoadAverageAtStart} (1/5/15 min) at start{others}";
        yield return ServerPid is { } pid ? $"server:   PID {pid} ({ServerFoundBy}): {ServerCommandLine}" : $"server:   process unknown ({ServerFoundBy})";
    }

    /// <summary>RUNSC_PLATFORM from the server's own environment; the server defaults to ptrace when it is unset.</summary>
    private static string PlatformOf(ServerProcess? server)
    {
        if (server is null) return "unknown (server process not found, its environment is unknown)";
        var (readable, value) = ProcFs.EnvironmentVariable(server.Pid, "RUNSC_PLATFORM");
        return (readable, value) switch
        {
            (false, _) => "unknown (the server's environment is not readable)",
            (true, null) => "ptrace (RUNSC_PLATFORM unset in the server's environment: the server's default)",
            (true, "") => "runsc's default (RUNSC_PLATFORM is empty in the server's environment)",
            (true, var v) => $"{v} (RUNSC_PLATFORM in the server's environment)",
        };
    }

    private static async Task<string> RunscVersionAsync()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("runsc", "--version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            string output;
            try
            {
                output = await process.StandardOutput.ReadToEndAsync(limit.Token);
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                return "unknown (runsc --version did not answer within 10 s)";
            }
            // "runsc version 0.0~20240729.0\nspec: 1.0.2-dev": the first line names the release
            return output.Split('\n')[0].Trim() is { Length: > 0 } first ? first : "unknown (no output)";
        }
        catch (Exception e)
        {
            return $"unknown (runsc --version failed: {e.Message})";
        }
    }
}
