using System.Globalization;
using System.Text;
using System.Text.Json;
using Sandbox.Benchmark.Scenarios;

namespace Sandbox.Benchmark;

/// <summary>The options as they are stored with the results (times in seconds, so the JSON reads without TimeSpan parsing).</summary>
public sealed record OptionsSnapshot(string BaseUrl, int[] ConcurrencyLevels, int Iterations, int ExecsPerSandbox, int MemorySandboxes,
    int Warmup, double OperationTimeoutSeconds, double LevelBudgetSeconds, string[] Measurements,
    int CpuLifecycles, int CpuExecs, double IdleSeconds, int DensitySandboxes, int DensityConcurrency)
{
    public static OptionsSnapshot Of(BenchmarkOptions o) => new(o.BaseUrl.ToString(), o.ConcurrencyLevels, o.Iterations, o.ExecsPerSandbox,
        o.MemorySandboxes, o.Warmup, o.OperationTimeout.TotalSeconds, o.LevelBudget.TotalSeconds, [.. MeasurementGroups.All.Where(o.Selected.Contains)],
        o.CpuLifecycles, o.CpuExecs, o.IdleInterval.TotalSeconds, o.DensitySandboxes, o.DensityConcurrency);
}

/// <summary>Everything one run produced: what the JSON file holds and what the table is printed from.</summary>
public sealed record BenchmarkReport
{
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required OptionsSnapshot Options { get; init; }
    public required MachineInfo Machine { get; init; }
    public required List<MeasurementResult> Measurements { get; init; }
    public MemoryResult? Memory { get; init; }
    public CpuResult? Cpu { get; init; }
    public DensityResult? Density { get; init; }
    public required string[] Notes { get; init; }
    /// <summary>Ids of sandboxes the benchmark could not remove after a failure.</summary>
    public required string[] PossiblyLeftBehind { get; init; }

    private static readonly string[] MeasurementOrder = ["create", "exec", "kill", ExecThroughputScenario.Measurement, "http_execute", "checkpoint", "restore"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The plain-text report: one row per measurement and level, then the errors, memory and notes.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        var rows = Measurements.OrderBy(m => Array.IndexOf(MeasurementOrder, m.Measurement)).ThenBy(m => m.Concurrency).ToList();
        text.AppendLine($"{"measurement",-13} {"conc",4} {"count",6} {"errors",6} {"p50 ms",9} {"p95 ms",9} {"max ms",9}  notes");
        text.AppendLine(new string('-', 72));
        foreach (var m in rows)
        {
            if (m.Status != "ok")
            {
                text.AppendLine($"{m.Measurement,-13} {m.Concurrency,4} {"-",6} {"-",6} {"-",9} {"-",9} {"-",9}  {m.Status}: {m.Message}");
                continue;
            }
            var notes = new List<string>();
            if (m.RequestsPerSecond is { } rps) notes.Add($"{rps.ToString("0.00", CultureInfo.InvariantCulture)} req/s");
            if (m.NotStarted > 0) notes.Add($"{m.NotStarted} not started (level budget)");
            text.AppendLine($"{m.Measurement,-13} {m.Concurrency,4} {m.Count,6} {m.Errors,6} {Ms(m.P50Ms),9} {Ms(m.P95Ms),9} {Ms(m.MaxMs),9}  {string.Join("; ", notes)}".TrimEnd());
        }

        var failing = rows.Where(m => m.Errors > 0).ToList();
        if (failing.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("errors:");
            foreach (var m in failing)
                foreach (var (kind, count) in m.ErrorKinds.OrderByDescending(k => k.Value))
                    text.AppendLine($"  {m.Measurement} @{m.Concurrency}: {count} x {kind}");
        }

        if (Memory is { } memory)
        {
            text.AppendLine();
            if (memory.Status != "ok")
            {
                text.AppendLine($"memory per idle sandbox: {memory.Status}: {memory.Message}");
            }
            else
            {
                text.AppendLine($"memory per idle sandbox ({memory.SandboxesCreated} of {memory.SandboxesRequested} created and held open, {memory.Errors} errors; MiB = 2^20 bytes):");
                text.AppendLine($"  server process (PID {memory.ServerPid}), VmRSS:     {memory.ServerRssBeforeMib,8:0.0} -> {memory.ServerRssAfterMib,8:0.0} MiB   = {memory.ServerRssPerSandboxMib:0.00} MiB per sandbox");
                text.AppendLine($"  gVisor's own ({memory.RunscProcessesBefore} -> {memory.RunscProcessesAfter} runsc processes), summed VmRSS: {memory.RunscRssBeforeMib,8:0.0} -> {memory.RunscRssAfterMib,8:0.0} MiB   = {memory.RunscRssPerSandboxMib:0.00} MiB per sandbox");
                text.AppendLine($"  gVisor's own, summed PSS (shared pages split between processes): {memory.RunscPssPerSandboxMib:0.00} MiB per sandbox");
                if (memory.RunscByRole.Count > 0)
                    text.AppendLine("  by role (all sandboxes): " + string.Join(", ", memory.RunscByRole.OrderByDescending(g => g.Value.RssMib)
                        .Select(g => $"{g.Key} {g.Value.Processes}x RSS {g.Value.RssMib:0.0} / PSS {g.Value.PssMib:0.0} MiB")));
                if (memory.RunscPlatformFlags.Length > 0) text.AppendLine($"  runsc command lines carry: {string.Join(" ", memory.RunscPlatformFlags)}");
                if (memory.RunscProcessesOfOtherServers > 0) text.AppendLine($"  ({memory.RunscProcessesOfOtherServers} runsc processes of other servers on this machine were not counted)");
                foreach (var (kind, count) in memory.ErrorKinds) text.AppendLine($"  error: {count} x {kind}");
            }
        }

        if (Cpu is { } cpu)
        {
            text.AppendLine();
            if (cpu.Status != "ok") text.AppendLine($"cpu: {cpu.Status}: {cpu.Message}");
            else
            {
                text.AppendLine($"cpu from /proc accounting (server PID {cpu.ServerPid} and every process it started; idle burn over {cpu.IdleSeconds:0.0} s subtracted; after {cpu.Warmup} untimed lifecycles and execs):");
                text.AppendLine($"  idle:                         {cpu.IdleServerMsPerSecond:0.0} ms/s server, {cpu.IdleTreeMsPerSecond:0.0} ms/s with its processes");
                text.AppendLine($"  per create + kill (+ refill): {Ms(cpu.LifecycleMs)} ms = {Ms(cpu.LifecycleServerMs)} server + {Ms(cpu.LifecycleDescendantsMs)} runsc and helpers  ({cpu.Lifecycles} one at a time, {cpu.LifecycleErrors} errors)");
                text.AppendLine($"  per trivial exec:             {Ms(cpu.ExecMs)} ms = {Ms(cpu.ExecServerMs)} server + {Ms(cpu.ExecDescendantsMs)} sentry, stubs, gofer  ({cpu.Execs} one at a time, {cpu.ExecErrors} errors)");
                foreach (var (kind, count) in cpu.ErrorKinds) text.AppendLine($"  error: {count} x {kind}");
            }
        }

        if (Density is { } d)
        {
            text.AppendLine();
            if (d.Status != "ok") text.AppendLine($"density: {d.Status}: {d.Message}");
            else
            {
                text.AppendLine($"density: {d.SandboxesHeld} of {d.SandboxesRequested} idle sandboxes held ({d.CreateErrors} create errors), created {d.CreateConcurrency} at a time in {d.CreateWallSeconds:0.0} s = {d.CreatesPerSecond:0.00}/s, create p50 {Ms(d.CreateP50Ms)} / p95 {Ms(d.CreateP95Ms)} ms");
                text.AppendLine($"  per sandbox: {d.MibPerSandbox:0.0} MiB ({d.GvisorPssMibPerSandbox:0.0} gVisor PSS + {d.ServerRssMibPerSandbox:0.0} server RSS), {d.MemAvailableMibPerSandbox:0.0} MiB of MemAvailable, {d.HostTasksPerSandbox} host tasks");
                text.AppendLine($"  exec of one sandbox while all are held: p50 {Ms(d.ExecP50Ms)} / p95 {Ms(d.ExecP95Ms)} ms ({d.ExecsWhileHeld} execs, {d.ExecErrors} errors)");
                foreach (var (kind, count) in d.ErrorKinds) text.AppendLine($"  error: {count} x {kind}");
            }
        }

        if (Notes.Length > 0)
        {
            text.AppendLine();
            text.AppendLine("notes:");
            foreach (var note in Notes) text.AppendLine("  " + note);
            if (PossiblyLeftBehind.Length > 0) text.AppendLine($"  ids of the {PossiblyLeftBehind.Length} sandboxes possibly left behind are in the JSON (possibly_left_behind)");
        }
        return text.ToString();
    }

    private static string Ms(double? ms) => ms is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";
}
