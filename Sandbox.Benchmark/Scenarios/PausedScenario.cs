using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sandbox.Benchmark.Scenarios;

/// <summary>
/// Issue 15's "2,000 paused sandboxes held on one host with the list answering in ≤ 200 ms": fills the
/// host with N paused sandboxes (create with checkpoints, then pause; K at a time, each pause timed
/// under that load), then times the listing of all of them (GET /v1/sandboxes?state=paused, filtered
/// by this run's label) and a resume on access while they are held; what the paused ones cost the
/// host's memory goes into the notes. Everything is deleted after.
/// </summary>
public static class PausedScenario
{
    private const int Listings = 20;
    private const int ResumesWhileHeld = 10;

    public static async Task<List<MeasurementResult>> RunAsync(BenchmarkContext context)
    {
        var o = context.Options;
        var requested = o.PausedSandboxes;
        var concurrency = Math.Min(o.DensityConcurrency, requested);
        var run = Guid.NewGuid().ToString("N")[..8];
        using var http = new HttpClient { BaseAddress = o.BaseUrl, Timeout = o.OperationTimeout * 2 };
        var pauses = new LatencyRecorder("v1 pause while filling", concurrency);
        var list = new LatencyRecorder($"v1 list of {requested} paused", 1);
        var resumes = new LatencyRecorder($"v1 resume with {requested} paused", 1);
        var paused = new ConcurrentBag<(string Id, string Token)>();
        var availableBefore = ProcFs.MeminfoField("MemAvailable") ?? 0;
        context.Log($"paused: creating and pausing {requested} sandboxes, {concurrency} at a time");
        var wall = Stopwatch.StartNew();
        try
        {
            // every created sandbox is remembered at once, so that the cleanup finds it whatever fails later
            var created = new ConcurrentBag<(string Id, string Token)>();
            await LoadRunner.RunAsync(concurrency, requested, TimeSpan.FromSeconds(Math.Max(o.LevelBudget.TotalSeconds, requested * 2.0)), async _ =>
            {
                try
                {
                    using var r = await http.PostAsJsonAsync("/v1/sandboxes", new { idle_timeout = 3600, enable_checkpoint = true, labels = new { bench = "paused-" + run } });
                    r.EnsureSuccessStatusCode();
                    var body = await r.Content.ReadFromJsonAsync<JsonElement>();
                    var sandbox = (body.GetProperty("sandbox_id").GetString()!, body.GetProperty("sandbox_token").GetString()!);
                    created.Add(sandbox);
                    if (await pauses.TimeAsync(o.OperationTimeout, ct => SendAsync(http, HttpMethod.Post, $"/v1/sandboxes/{sandbox.Item1}/pause", sandbox.Item2, ct)))
                        paused.Add(sandbox);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    pauses.RecordError("create failed: " + e.Message);
                }
            });
            context.Log($"paused: {paused.Count} paused after {wall.Elapsed.TotalSeconds:0} s");
            var availableAfter = ProcFs.MeminfoField("MemAvailable") ?? 0;
            context.Note($"paused: {paused.Count} paused sandboxes in {wall.Elapsed.TotalSeconds:0} s; MemAvailable moved by " +
                         $"{(availableBefore - availableAfter) / 1024.0 / 1024.0:0} MiB while they were made (they hold no memory: their images are in the store)");

            for (var i = 0; i < Listings; i++)
                await list.TimeAsync(o.OperationTimeout, async ct =>
                {
                    using var r = await http.GetAsync($"/v1/sandboxes?state=paused&label=bench=paused-{run}", ct);
                    r.EnsureSuccessStatusCode();
                    var listed = (await r.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("sandboxes").GetArrayLength();
                    if (listed != paused.Count) context.Note($"paused: the list showed {listed} of {paused.Count} paused sandboxes");
                });

            foreach (var (id, token) in paused.Take(ResumesWhileHeld))
                await resumes.TimeAsync(o.OperationTimeout, ct => SendAsync(http, HttpMethod.Get, $"/v1/sandboxes/{id}/files/stat?path=/", token, ct));
            return [pauses.Summarize(wall.Elapsed), list.Summarize(), resumes.Summarize()];
        }
        finally
        {
            context.Log($"paused: deleting {paused.Count} sandboxes");
            await LoadRunner.RunAsync(concurrency, paused.Count, TimeSpan.FromSeconds(Math.Max(o.LevelBudget.TotalSeconds, paused.Count * 1.0)), async i =>
            {
                var (id, token) = paused.ElementAt(i);
                try { await SendAsync(http, HttpMethod.Delete, $"/v1/sandboxes/{id}", token, CancellationToken.None); }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { context.LeftBehind(id, e.Message); }
            });
        }
    }

    private static async Task SendAsync(HttpClient http, HttpMethod method, string path, string token, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(method, path);
        req.Headers.Add("X-Sandbox-Token", token);
        using var r = await http.SendAsync(req, ct);
        if (!r.IsSuccessStatusCode) throw new HttpRequestException($"{method} {path}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(ct)}");
    }
}
