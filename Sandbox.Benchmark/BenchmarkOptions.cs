using System.Globalization;

namespace Sandbox.Benchmark;

/// <summary>The measurements that can be selected with <c>--only</c>.</summary>
public static class MeasurementGroups
{
    /// <summary>create, exec round trip and kill share their sandboxes, so they run as one group.</summary>
    public const string Lifecycle = "lifecycle";
    public const string HttpExecute = "http";
    public const string Checkpoint = "checkpoint";
    public const string Memory = "memory";
    /// <summary>CPU per lifecycle and per exec from /proc accounting, and the idle burn (issue 17).</summary>
    public const string Cpu = "cpu";
    /// <summary>N idle sandboxes held: MiB each, exec latency while held (issue 17).</summary>
    public const string Density = "density";
    /// <summary>Trivial execs back to back in N sandboxes that are already running: latency and execs/s (issue 17).</summary>
    public const string Execs = "execs";
    /// <summary>API v1: process start, pause, resume on access, fork, file transfer.</summary>
    public const string Api = "api";
    /// <summary>N paused sandboxes held: the list's latency and a resume while they are held (issue 15).</summary>
    public const string Paused = "paused";
    public static readonly string[] All = [Lifecycle, Execs, HttpExecute, Checkpoint, Api, Memory, Cpu, Density, Paused];
}

/// <summary>Command line of the benchmark. Every loop it drives is bounded by these counts and times.</summary>
public sealed record BenchmarkOptions
{
    public Uri BaseUrl { get; init; } = new("http://127.0.0.1:8080/");
    public int[] ConcurrencyLevels { get; init; } = [1, 5, 10, 25];
    /// <summary>Operations per measurement and level (raised to the level's concurrency so every level is really reached).</summary>
    public int Iterations { get; init; } = 20;
    public int ExecsPerSandbox { get; init; } = 3;
    public int MemorySandboxes { get; init; } = 20;
    /// <summary>Sandboxes created and killed one at a time for the CPU per lifecycle.</summary>
    public int CpuLifecycles { get; init; } = 10;
    /// <summary>Trivial execs run one at a time in one sandbox for the CPU per exec.</summary>
    public int CpuExecs { get; init; } = 50;
    /// <summary>The idle interval whose CPU burn is measured first and subtracted from every CPU figure.</summary>
    public TimeSpan IdleInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Idle sandboxes held at once in the density run (issue 17's target: 400).</summary>
    public int DensitySandboxes { get; init; } = 100;
    public int DensityConcurrency { get; init; } = 4;
    /// <summary>Paused sandboxes held at once in the paused run (issue 15's target: 2,000).</summary>
    public int PausedSandboxes { get; init; } = 200;
    /// <summary>Untimed operations before each measurement: the first sandbox of a server pays JIT and page-cache costs.</summary>
    public int Warmup { get; init; } = 1;
    /// <summary>Untimed lifecycles and execs before the CPU figures: a server's first hundred or so pay for
    /// its JIT (tier-1 compilation of each hot path), which is no cost of a sandbox. 0 measures a cold server.</summary>
    public int CpuWarmup { get; init; } = 20;
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>No new operation starts once a level has run this long, so a degraded server cannot stall the run.</summary>
    public TimeSpan LevelBudget { get; init; } = TimeSpan.FromSeconds(300);
    public int? ServerPid { get; init; }
    public string OutputPath { get; init; } = "benchmark-results.json";
    public HashSet<string> Selected { get; init; } = [.. MeasurementGroups.All];

    public int OperationsAt(int concurrency) => Math.Max(Iterations, concurrency);

    public Uri WebSocketBase => new UriBuilder(BaseUrl) { Scheme = BaseUrl.Scheme == "https" ? "wss" : "ws" }.Uri;

    public const string Usage = """
        Sandbox.Benchmark: latency and memory of a RUNNING sandbox host over its public protocol.

          Sandbox.Benchmark [--url] http://127.0.0.1:8080 [options]

          --url URL                 server base URL (default http://127.0.0.1:8080)
          --concurrency 1,5,10,25   concurrency levels (default 1,5,10,25)
          --iterations N            operations per measurement and level, at least the level (default 20)
          --exec-per-sandbox N      exec round trips in each lifecycle sandbox (default 3)
          --memory-sandboxes N      idle sandboxes held open for the memory measurement (default 20)
          --cpu-lifecycles N        create + kill one at a time for the CPU per lifecycle (default 10)
          --cpu-execs N             trivial execs one at a time for the CPU per exec (default 50)
          --cpu-warmup N            untimed lifecycles and execs before the CPU figures (default 20; 0: a cold server)
          --idle-seconds N          idle interval measured first; its CPU burn is subtracted (default 5)
          --density-sandboxes N     idle sandboxes held at once in the density run (default 100; the full run: 400)
          --density-concurrency N   creates in flight while filling the density and paused runs (default 4)
          --paused-sandboxes N      paused sandboxes held at once in the paused run (default 200; the full run: 2000)
          --warmup N                untimed operations before each measurement (default 1)
          --timeout SECONDS         limit of one operation (default 30)
          --level-budget SECONDS    no new operation starts after a level ran this long (default 300)
          --server-pid PID          server process for memory figures (default: the process listening on
                                    the URL's port, else the one whose command line has Sandbox.Host.dll)
          --only a,b                subset of: lifecycle (create/exec/kill), execs (steady execs/s), http, checkpoint, api (v1), memory, cpu, density, paused
          --out PATH                JSON results (default benchmark-results.json)
        """;

    /// <summary>Parses the command line; returns null and an error text when it is wrong.</summary>
    public static (BenchmarkOptions? Options, string? Error) Parse(string[] args)
    {
        var o = new BenchmarkOptions();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                var arg = args[i];
                string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{arg} needs a value");
                switch (arg)
                {
                    case "--url": o = o with { BaseUrl = ParseUrl(Value()) }; break;
                    case "--concurrency": o = o with { ConcurrencyLevels = ParseList(Value(), "--concurrency") }; break;
                    case "--iterations": o = o with { Iterations = Positive(Value(), arg) }; break;
                    case "--exec-per-sandbox": o = o with { ExecsPerSandbox = Positive(Value(), arg) }; break;
                    case "--memory-sandboxes": o = o with { MemorySandboxes = Positive(Value(), arg) }; break;
                    case "--cpu-lifecycles": o = o with { CpuLifecycles = Positive(Value(), arg) }; break;
                    case "--cpu-execs": o = o with { CpuExecs = Positive(Value(), arg) }; break;
                    case "--cpu-warmup": o = o with { CpuWarmup = NonNegative(Value(), arg) }; break;
                    case "--idle-seconds": o = o with { IdleInterval = TimeSpan.FromSeconds(Positive(Value(), arg)) }; break;
                    case "--density-sandboxes": o = o with { DensitySandboxes = Positive(Value(), arg) }; break;
                    case "--density-concurrency": o = o with { DensityConcurrency = Positive(Value(), arg) }; break;
                    case "--paused-sandboxes": o = o with { PausedSandboxes = Positive(Value(), arg) }; break;
                    case "--warmup": o = o with { Warmup = NonNegative(Value(), arg) }; break;
                    case "--timeout": o = o with { OperationTimeout = TimeSpan.FromSeconds(Positive(Value(), arg)) }; break;
                    case "--level-budget": o = o with { LevelBudget = TimeSpan.FromSeconds(Positive(Value(), arg)) }; break;
                    case "--server-pid": o = o with { ServerPid = Positive(Value(), arg) }; break;
                    case "--out": o = o with { OutputPath = Value() }; break;
                    case "--only":
                        var groups = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
                        var unknown = groups.Except(MeasurementGroups.All).ToList();
                        if (unknown.Count > 0) throw new FormatException($"--only: unknown {string.Join(", ", unknown)}; known: {string.Join(", ", MeasurementGroups.All)}");
                        o = o with { Selected = groups };
                        break;
                    case "-h" or "--help": return (null, null);
                    default:
                        if (arg.StartsWith('-')) throw new FormatException($"unknown option {arg}");
                        o = o with { BaseUrl = ParseUrl(arg) };
                        break;
                }
            }
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
        return (o, null);
    }

    private static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new FormatException($"not an http(s) URL: {text}");
        return uri;
    }

    private static int[] ParseList(string text, string name)
    {
        var levels = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => Positive(v, name)).Distinct().ToArray();
        return levels.Length > 0 ? levels : throw new FormatException($"{name} needs at least one level");
    }

    private static int Positive(string text, string name) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new FormatException($"{name}: expected a positive integer, got '{text}'");

    private static int NonNegative(string text, string name) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new FormatException($"{name}: expected an integer >= 0, got '{text}'");
}
