using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Sandbox.Actors.Hosts;

namespace Sandbox.Actors.Telemetry;

/// <summary>
/// One per sandbox host, at <c>/user/metrics-history</c>: every interval (10 s by default) it samples
/// the host (<see cref="MetricsSample"/>) into a ring that holds the last hour, and answers
/// <see cref="GetMetricsHistory"/> from anywhere in the cluster (the dashboard of any node charts
/// every host's). The oldest host also counts the catalog's sandboxes by state, the paused and ended
/// ones no host holds. Each sample also feeds the memory and catalog gauges of /metrics.
/// </summary>
public sealed class MetricsHistoryActor : ReceiveActor, IWithTimers
{
    public const string Name = "metrics-history";
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Span = TimeSpan.FromHours(1);

    public ITimerScheduler Timers { get; set; } = null!;

    private readonly MetricsHistorySource _source;
    private readonly TimeSpan _interval;
    private readonly MetricsHistory _history;
    private readonly OperationLatencies _latencies = new(Window);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _sampling;

    public static Props PropsFor(MetricsHistorySource source, TimeSpan interval) => Props.Create(() => new MetricsHistoryActor(source, interval));

    public MetricsHistoryActor(MetricsHistorySource source, TimeSpan interval)
    {
        _source = source;
        _interval = interval;
        _history = new MetricsHistory((int)Math.Ceiling(Span / interval) + 1);
        Receive<Tick>(_ => Sample());
        Receive<Sampled>(s =>
        {
            _sampling = false;
            _history.Add(s.Sample);
            // the gauges of /metrics follow the samples: a scrape reads what was measured last, never /proc itself
            SandboxMetrics.MemoryMeasured(_source.Node, s.Memory);
            SandboxMetrics.CatalogCounted(_source.Node, s.ByState);
            if (s.CatalogError is not null) _log.Warning("Counting the catalog's sandboxes by state failed: {0}", s.CatalogError);
        });
        Receive<Status.Failure>(f =>
        {
            _sampling = false;
            _log.Warning("Sampling the host's metrics failed: {0}", f.Cause.GetBaseException().Message);
        });
        Receive<GetMetricsHistory>(q => Sender.Tell(new MetricsHistoryReport(_source.Node, _interval.TotalSeconds, _history.Since(q.Since))));
    }

    protected override void PreStart()
    {
        Self.Tell(Tick.Instance);   // a first sample right away, so a fresh node's charts start now
        Timers.StartPeriodicTimer("sample", Tick.Instance, _interval, _interval);
    }

    protected override void PostStop()
    {
        _latencies.Dispose();
        SandboxMetrics.ForgetSamples(_source.Node);
    }

    private void Sample()
    {
        if (_sampling) return;   // a slow /proc or catalog read is not queued up behind itself
        _sampling = true;
        var countCatalog = IsOldestHost(Cluster.Get(Context.System)) ? _source.Catalog : null;
        SampleAsync(_source, _latencies, countCatalog).PipeTo(Self);
    }

    private static async Task<Sampled> SampleAsync(MetricsHistorySource source, OperationLatencies latencies, Catalog.ISandboxCatalog? catalog)
    {
        var now = DateTimeOffset.UtcNow;
        var starting = source.Capacity.Starting;
        var running = Math.Max(0, source.Capacity.Occupied - starting);
        var memory = await Task.Run(() => HostMemory.Read(source.Runsc, source.Registry.List()));
        IReadOnlyDictionary<string, int>? byState = null;
        string? catalogError = null;
        if (catalog is not null)
        {
            // bounded: a database that hangs must not stop the sampling (the next tick waits for this one)
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { byState = await catalog.CountByStateAsync(timeout.Token); }
            catch (Exception e) { catalogError = e.GetBaseException().Message; }
        }
        var create = latencies.Create.Read(now);
        var sample = new MetricsSample(now, starting, running, byState?.GetValueOrDefault("paused"), byState?.GetValueOrDefault("ended"),
            create.Count, create, latencies.Exec.Read(now), latencies.Restore.Read(now),
            memory.SandboxesBytes, memory.LayersBytes, memory.SandboxProcesses, memory.AvailableBytes, memory.TotalBytes);
        return new Sampled(sample, memory, byState, catalogError);
    }

    private static bool IsOldestHost(Cluster cluster)
    {
        var hosts = cluster.State.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.SandboxHost)).ToList();
        return hosts.Count > 0 && hosts.Aggregate((a, b) => a.IsOlderThan(b) ? a : b).Address == cluster.SelfAddress;
    }

    private sealed record Sampled(MetricsSample Sample, HostMemoryReading Memory, IReadOnlyDictionary<string, int>? ByState, string? CatalogError);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
