using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Sandbox.Actors.Hosts;

namespace Sandbox.Actors.Telemetry;

/// <summary>
/// The sandbox host's own metrics (meter <c>Sandbox</c>), exported by OpenTelemetry on the admin
/// port's <c>/metrics</c>. Static because the instruments are process-wide; every call is cheap and
/// safe from any thread, so actors can record with one line at the point where a thing happens.
/// </summary>
public static class SandboxMetrics
{
    public const string MeterName = "Sandbox";

    /// <summary>Timed operations: a Begin and an End (or Fail) keyed by sandbox id.</summary>
    public enum Operation { Create, Exec, Checkpoint, Restore }

    private static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>Seconds, from a fast exec (a few ms) to a slow checkpoint under load (a minute).</summary>
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    private static Histogram<double> Latency(string name, string description) => Meter.CreateHistogram(name, "s", description, tags: null, advice: Seconds);

    private static readonly Dictionary<Operation, Histogram<double>> Latencies = new()
    {
        [Operation.Create] = Latency("sandbox.create.duration", "From a create reaching its host to the container running"),
        [Operation.Exec] = Latency("sandbox.exec.duration", "From an execution starting to its program exiting"),
        [Operation.Checkpoint] = Latency("sandbox.checkpoint.duration", "From a checkpoint starting to its archive being stored and recorded"),
        [Operation.Restore] = Latency("sandbox.restore.duration", "From a restore starting to the container running again"),
    };

    private static readonly Counter<long> Executions = Meter.CreateCounter<long>("sandbox.executions", "{execution}", "Executions started");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("sandbox.output.bytes", "By", "Bytes of program output streamed out of sandboxes");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("sandbox.errors", "{error}", "Errors reported to clients, by protocol status");
    private static readonly Counter<long> RunscFailures = Meter.CreateCounter<long>("sandbox.runsc.failures", "{failure}", "runsc commands that failed or timed out, by subcommand");
    private static readonly Histogram<double> JournalWrites = Latency("sandbox.journal.write.duration", "Time from Persist to the journal confirming the event");

    private static readonly ConcurrentDictionary<(Operation, string), long> Started = new();
    private static readonly ConcurrentDictionary<string, HostCapacity> Hosts = new();
    private static readonly ConcurrentDictionary<string, HostMemoryReading> Memory = new();
    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, int>> CatalogCounts = new();

    static SandboxMetrics()
    {
        Meter.CreateObservableGauge("sandbox.sandboxes", ObserveSandboxes, "{sandbox}", "Sandboxes with a container on this node, by state");
        Meter.CreateObservableGauge("sandbox.sandboxes.memory", () => PerNode(m => m.SandboxesBytes), "By",
            "Memory this node's sandboxes use: the proportional set size of their gVisor processes and their writable layers (tmpfs)");
        Meter.CreateObservableGauge("sandbox.host.memory.available", () => PerNode(m => m.AvailableBytes), "By", "The machine's MemAvailable (/proc/meminfo)");
        Meter.CreateObservableGauge("sandbox.host.memory.total", () => PerNode(m => m.TotalBytes), "By", "The machine's MemTotal (/proc/meminfo)");
        Meter.CreateObservableGauge("sandbox.catalog.sandboxes", ObserveCatalog, "{sandbox}",
            "Sandboxes in the catalog by state, the whole cluster's (paused and recently ended ones included); reported by one host");
    }

    /// <summary>The name of an operation's duration histogram (what <see cref="OperationLatencies"/> listens to).</summary>
    public static string InstrumentOf(Operation op) => Latencies[op].Name;

    /// <summary>The node's latest memory reading, for the memory gauges (the history actor measures every interval).</summary>
    public static void MemoryMeasured(string node, HostMemoryReading reading) => Memory[node] = reading;

    /// <summary>The catalog's sandboxes by state as this node counted them; null when it no longer counts them.</summary>
    public static void CatalogCounted(string node, IReadOnlyDictionary<string, int>? byState)
    {
        if (byState is null) CatalogCounts.TryRemove(node, out _);
        else CatalogCounts[node] = byState;
    }

    /// <summary>The node stops sampling: its memory and catalog gauges go away.</summary>
    public static void ForgetSamples(string node)
    {
        Memory.TryRemove(node, out _);
        CatalogCounts.TryRemove(node, out _);
    }

    /// <summary>A sandbox host reports its slots (<see cref="HostCapacity"/>) for the per-state gauge until disposed.</summary>
    public static IDisposable TrackHost(string node, HostCapacity capacity)
    {
        Hosts[node] = capacity;
        return new Untrack(node);
    }

    public static void Begin(Operation op, string sandboxId) => Started[(op, sandboxId)] = Stopwatch.GetTimestamp();

    /// <summary>Records the operation's duration (if it was begun) with its outcome.</summary>
    public static void End(Operation op, string sandboxId, bool ok = true)
    {
        if (Started.TryRemove((op, sandboxId), out var t))
            Latencies[op].Record(Stopwatch.GetElapsedTime(t).TotalSeconds, new KeyValuePair<string, object?>("outcome", ok ? "ok" : "error"));
    }

    /// <summary>Counts an execution and starts its latency timer.</summary>
    public static void ExecutionStarted(string sandboxId, string language)
    {
        Executions.Add(1, new KeyValuePair<string, object?>("language", language));
        Begin(Operation.Exec, sandboxId);
    }

    /// <summary>The operation failed: its duration is recorded as an error and the client's status counted.</summary>
    public static void Fail(Operation op, string sandboxId, string status)
    {
        End(op, sandboxId, ok: false);
        Error(status);
    }

    public static void OutputStreamed(int bytes, bool stderr) => Bytes.Add(bytes, new KeyValuePair<string, object?>("stream", stderr ? "stderr" : "stdout"));

    public static void Error(string status) => Errors.Add(1, new KeyValuePair<string, object?>("status", status));

    public static void RunscFailed(string subcommand) => RunscFailures.Add(1, new KeyValuePair<string, object?>("command", subcommand));

    /// <summary>Called with <see cref="Stopwatch.GetTimestamp"/> taken just before the Persist call.</summary>
    public static void JournalWritten(long startedTimestamp) => JournalWrites.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);

    private static IEnumerable<Measurement<int>> ObserveSandboxes()
    {
        foreach (var (node, c) in Hosts)
        {
            var starting = c.Starting;
            yield return new Measurement<int>(starting, new("node", node), new("state", "starting"));
            yield return new Measurement<int>(Math.Max(0, c.Occupied - starting), new("node", node), new("state", "running"));
        }
    }

    private static IEnumerable<Measurement<long>> PerNode(Func<HostMemoryReading, long> value) =>
        Memory.Select(m => new Measurement<long>(value(m.Value), new KeyValuePair<string, object?>("node", m.Key)));

    private static IEnumerable<Measurement<int>> ObserveCatalog()
    {
        foreach (var (node, byState) in CatalogCounts)
            foreach (var state in new[] { "starting", "running", "paused", "ended" })
                yield return new Measurement<int>(byState.GetValueOrDefault(state), new("node", node), new("state", state));
    }

    private sealed class Untrack(string node) : IDisposable
    {
        public void Dispose() => Hosts.TryRemove(node, out _);
    }
}
