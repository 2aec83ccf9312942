using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Sandbox.Actors.Telemetry;
using Sandbox.Host.Admin;
using Sandbox.Host.Logging;

namespace Sandbox.Tests.Operations;

/// <summary>The pure parts behind the operators' views: percentiles, the bounded windows and rings,
/// /proc parsing, the list's filters and the audit line's shape.</summary>
public class OperationsPartsSpec
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void Percentiles_are_nearest_rank_and_nothing_measured_has_none()
    {
        var p = Percentiles.Of(Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList());
        Assert.Equal((100, 50.0, 95.0), (p.Count, p.P50!.Value, p.P95!.Value));
        Assert.Equal((1, 7.0, 7.0), (Percentiles.Of([7.0]).Count, Percentiles.Of([7.0]).P50!.Value, Percentiles.Of([7.0]).P95!.Value));
        Assert.Equal(Percentiles.None, Percentiles.Of([]));
    }

    [Fact]
    public void A_latency_window_forgets_what_finished_before_its_span_and_holds_at_most_its_bound()
    {
        var w = new LatencyWindow(TimeSpan.FromMinutes(1), maxValues: 3);
        w.Add(T0, 9);
        w.Add(T0.AddSeconds(30), 1);
        w.Add(T0.AddSeconds(40), 2);
        Assert.Equal(3, w.Read(T0.AddSeconds(50)).Count);
        Assert.Equal((2, 1.0), (w.Read(T0.AddSeconds(61)).Count, w.Read(T0.AddSeconds(61)).P50!.Value));   // the 9 s one left the window
        for (var i = 0; i < 10; i++) w.Add(T0.AddSeconds(62), 5);
        Assert.Equal(3, w.Read(T0.AddSeconds(62)).Count);
    }

    [Fact]
    public void The_history_ring_keeps_the_last_hour_and_answers_what_came_after_a_time()
    {
        var ring = new MetricsHistory(capacity: 361);
        MetricsSample At(int s) => new(T0.AddSeconds(s), 0, s, null, null, 0, Percentiles.None, Percentiles.None, Percentiles.None, 0, 0, 0, 1, 2);
        for (var s = 0; s < 1000; s += 10) ring.Add(At(s));
        Assert.Equal(100, ring.Count);
        for (var s = 1000; s < 5000; s += 10) ring.Add(At(s));
        Assert.Equal(361, ring.Count);
        Assert.Equal(T0.AddSeconds(4990), ring.Since(null)[^1].At);
        Assert.Equal(T0.AddSeconds(4990 - 3600), ring.Since(null)[0].At);
        Assert.Equal([4980, 4990], ring.Since(T0.AddSeconds(4970)).Select(x => x.Running));
    }

    [Fact]
    public void Proc_files_are_read_as_the_kernel_writes_them()
    {
        var meminfo = "MemTotal:       24576000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\nBuffers:          1 kB\n";
        Assert.Equal((20_000_000L * 1024, 24_576_000L * 1024), HostMemory.ParseMeminfo(meminfo));
        Assert.Equal((0L, 0L), HostMemory.ParseMeminfo(""));
        Assert.Equal(35_821L * 1024, HostMemory.ParsePss("55d0-7ff [rollup]\nRss:   53604 kB\nPss:   35821 kB\nPss_Dirty:  20562 kB\n"));
        Assert.Null(HostMemory.ParsePss("Rss: 4 kB\n"));
        // a command name may hold spaces and parentheses; the parent pid follows the state after the last ')'
        Assert.Equal(("exe", 23195), HostMemory.ParseStat("23222 (exe) S 23195 23189 1 0 -1 4194560"));
        Assert.Equal(("a) b (c", 7), HostMemory.ParseStat("99 (a) b (c) R 7 1 1"));
        Assert.Null(HostMemory.ParseStat("garbage"));
        var mounts = "tmpfs /tmp/b/runsc_bundle_k1/layer tmpfs rw,nosuid,nodev,size=1048576k 0 0\n" +
                     "overlay /tmp/b/runsc_bundle_k1/rootfs overlay rw,lowerdir=/r 0 0\n" +
                     "tmpfs /tmp/with\\040space tmpfs rw 0 0\n";
        Assert.Equal(["/tmp/b/runsc_bundle_k1/layer", "/tmp/with space"], HostMemory.TmpfsMountPoints(mounts).Order());
    }

    [Fact]
    public void The_sandbox_list_filter_takes_states_and_labels_and_says_what_is_wrong_with_a_bad_one()
    {
        QueryCollection Q(params (string K, string[] V)[] q) => new(q.ToDictionary(x => x.K, x => new StringValues(x.V)));
        var (f, problem) = SandboxFilter.Parse(Q(("state", ["paused,ended", "paused"]), ("label", ["team=evals", "run=4=2"]), ("limit", ["20"])));
        Assert.Null(problem);
        Assert.Equal(["paused", "ended"], f!.States);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "evals", ["run"] = "4=2" }, f.Labels);
        Assert.Equal(20, f.Limit);
        Assert.True(f.Admits("ended") && !f.Admits("running"));
        Assert.True(SandboxFilter.Parse(Q()).Filter!.Admits("running"));

        foreach (var bad in new[] { Q(("state", ["sleeping"])), Q(("label", ["novalue"])), Q(("label", ["=x"])), Q(("label", ["Bad Key=x"])),
                     Q(("label", ["a=1", "a=2"])), Q(("limit", ["0"])), Q(("limit", ["10001"])), Q(("limit", ["ten"])) })
        {
            var (none, why) = SandboxFilter.Parse(bad);
            Assert.Null(none);
            Assert.False(string.IsNullOrWhiteSpace(why));
        }
    }

    [Fact]
    public void An_audit_line_is_kept_as_the_json_it_is_and_a_plain_one_becomes_json_with_its_properties()
    {
        const string json = "{\"action\":\"kill\",\"outcome\":\"ok\"}";
        Assert.Equal(json, AuditRingTarget.AsJsonLine(json, null));
        var plain = System.Text.Json.JsonDocument.Parse(AuditRingTarget.AsJsonLine("refused {Key}", new Dictionary<object, object?> { ["Key"] = "fp-1" })).RootElement;
        Assert.Equal(("refused {Key}", "fp-1"), (plain.GetProperty("message").GetString(), plain.GetProperty("Key").GetString()));
        Assert.Equal("{ not json", System.Text.Json.JsonDocument.Parse(AuditRingTarget.AsJsonLine("{ not json", null)).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public void A_log_ring_holds_its_capacity_and_a_tail_sees_only_what_came_after_it()
    {
        var ring = new LogRing(3);
        for (var i = 0; i < 5; i++) ring.Add(DateTime.UtcNow, "Info", "x", "line " + i);
        Assert.Equal(["line 2", "line 3", "line 4"], ring.Peek(10).Select(l => l.Text));
        var (lines, subscription) = ring.Tail();
        using (subscription)
        {
            ring.Add(DateTime.UtcNow, "Info", "x", "line 5");
            Assert.True(lines.TryRead(out var next));
            Assert.Equal("line 5", next.Text);
            Assert.False(lines.TryRead(out _));
        }
    }
}
