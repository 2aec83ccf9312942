using System.Net.Http.Json;
using System.Text.Json;

namespace Sandbox.Benchmark.Scenarios;

/// <summary>
/// API v1 (issues 13 and 15): process start, pause, resume on access (a file stat wakes a paused
/// sandbox), fork of one, and at concurrency 1 a 64 MiB upload and download (MB/s = 64 MiB / p50).
/// Each operation has a sandbox of its own, created and deleted untimed.
/// </summary>
public static class ApiScenario
{
    private const int TransferBytes = 64 << 20;

    public static async Task<List<MeasurementResult>> RunAsync(BenchmarkContext context)
    {
        var options = context.Options;
        using var http = new HttpClient { BaseAddress = options.BaseUrl, Timeout = options.OperationTimeout * 4 };
        var results = new List<MeasurementResult>();
        foreach (var level in options.ConcurrencyLevels)
        {
            var start = new LatencyRecorder("v1 process start", level);
            var pause = new LatencyRecorder("v1 pause", level);
            var resume = new LatencyRecorder("v1 resume on access", level);
            var fork = new LatencyRecorder("v1 fork of one", level);
            var upload = new LatencyRecorder("v1 upload 64 MiB", level);
            var download = new LatencyRecorder("v1 download 64 MiB", level);
            var transfers = level == 1;
            var run = await LoadRunner.RunAsync(level, options.OperationsAt(level), options.LevelBudget,
                _ => OneAsync(context, http, start, pause, resume, fork, transfers ? upload : null, transfers ? download : null));
            context.LogLevel("api v1", level, run, start, pause, resume, fork);
            results.Add(start.Summarize(run.Wall, run.NotStarted));
            results.Add(pause.Summarize(run.Wall, run.NotStarted));
            results.Add(resume.Summarize(run.Wall, run.NotStarted));
            results.Add(fork.Summarize(run.Wall, run.NotStarted));
            if (transfers)
            {
                results.Add(upload.Summarize(run.Wall, run.NotStarted));
                results.Add(download.Summarize(run.Wall, run.NotStarted));
            }
        }
        return results;
    }

    private static async Task OneAsync(BenchmarkContext context, HttpClient http, LatencyRecorder start, LatencyRecorder pause,
        LatencyRecorder resume, LatencyRecorder fork, LatencyRecorder? upload, LatencyRecorder? download)
    {
        var timeout = context.Options.OperationTimeout;
        string id, token;
        try
        {
            using var created = await http.PostAsJsonAsync("/v1/sandboxes", new { idle_timeout = 120, enable_checkpoint = true });
            created.EnsureSuccessStatusCode();
            var body = await created.Content.ReadFromJsonAsync<JsonElement>();
            (id, token) = (body.GetProperty("sandbox_id").GetString()!, body.GetProperty("sandbox_token").GetString()!);
        }
        catch (Exception e)
        {
            start.RecordError("create failed: " + e.Message);
            return;
        }
        try
        {
            await start.TimeAsync(timeout, ct => SendAsync(http, HttpMethod.Post, $"/v1/sandboxes/{id}/processes", token, ct,
                JsonContent.Create(new { cmd = new[] { "true" } })));
            await pause.TimeAsync(timeout, ct => SendAsync(http, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", token, ct));
            await resume.TimeAsync(timeout, ct => SendAsync(http, HttpMethod.Get, $"/v1/sandboxes/{id}/files/stat?path=/", token, ct));
            var forked = await fork.TimeAsync(timeout, async ct =>
            {
                using var req = Request(HttpMethod.Post, $"/v1/sandboxes/{id}/fork", token);
                req.Content = JsonContent.Create(new { count = 1 });
                using var r = await http.SendAsync(req, ct);
                r.EnsureSuccessStatusCode();
                var f = (await r.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("sandboxes")[0];
                return (f.GetProperty("sandbox_id").GetString()!, f.GetProperty("sandbox_token").GetString()!).ToTuple();
            });
            if (forked is not null) await DeleteAsync(context, http, forked.Item1, forked.Item2);
            // last, so that pause, resume and fork measure an idle sandbox (a 64 MiB file is part of its image)
            if (upload is not null)
                await upload.TimeAsync(timeout * 4, ct => SendAsync(http, HttpMethod.Put, $"/v1/sandboxes/{id}/files?path=/data/blob.bin", token, ct,
                    new ByteArrayContent(new byte[TransferBytes])));
            if (download is not null)
                await download.TimeAsync(timeout * 4, async ct =>
                {
                    using var req = Request(HttpMethod.Get, $"/v1/sandboxes/{id}/files?path=/data/blob.bin", token);
                    using var r = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct);
                    r.EnsureSuccessStatusCode();
                    await (await r.Content.ReadAsStreamAsync(ct)).CopyToAsync(Stream.Null, ct);
                });
        }
        finally
        {
            await DeleteAsync(context, http, id, token);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string token)
    {
        var req = new HttpRequestMessage(method, path);
        req.Headers.Add("X-Sandbox-Token", token);
        return req;
    }

    private static async Task SendAsync(HttpClient http, HttpMethod method, string path, string token, CancellationToken ct, HttpContent? content = null)
    {
        using var req = Request(method, path, token);
        req.Content = content;
        using var r = await http.SendAsync(req, ct);
        if (!r.IsSuccessStatusCode) throw new HttpRequestException($"{method} {path}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task DeleteAsync(BenchmarkContext context, HttpClient http, string id, string token)
    {
        try { await SendAsync(http, HttpMethod.Delete, $"/v1/sandboxes/{id}", token, CancellationToken.None); }
        catch (Exception e) { context.Note($"a sandbox could not be deleted: {e.Message}"); }
    }
}
