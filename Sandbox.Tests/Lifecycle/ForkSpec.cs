using System.Net;
using System.Text.Json;
using Sandbox.Tests.Api;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Lifecycle;

/// <summary>Forks and pauses end to end (issues 13, 15): memory, processes and files of the moment;
/// forks have their own hostname and entropy; the source goes on; processes outlive a pause.</summary>
public class ForkSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Counter = "import time\ni = 0\nwhile True:\n    print(f'tick-{i}', flush=True)\n    i += 1\n    time.sleep(0.05)";

    [Fact]
    public async Task A_fork_has_the_counter_process_of_its_source_going_on_from_the_same_offset_with_its_own_hostname_and_entropy()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync(new { idle_timeout = 120 });
        var started = await v1.PostAsync($"/v1/sandboxes/{id}/processes", new { language = "python", code = Counter }, token);
        Assert.Equal(HttpStatusCode.Created, started.Status);
        var pid = started.Json.GetProperty("process_id").GetString()!;
        await Task.Delay(500);

        var fork = await v1.PostAsync($"/v1/sandboxes/{id}/fork", new { count = 2 }, token);
        Assert.Equal(HttpStatusCode.Created, fork.Status);
        var forks = fork.Json.GetProperty("sandboxes").EnumerateArray()
            .Select(f => (Id: f.GetProperty("sandbox_id").GetString()!, Token: f.GetProperty("sandbox_token").GetString()!)).ToList();

        var seen = new List<(string Host, string Random)>();
        foreach (var (forkId, forkToken) in forks.Append((id, token)))
        {
            // the same process id runs in each, and its log goes on: every tick once, in order, past the fork
            var ticks = await TicksAsync(v1, forkId, forkToken, pid, atLeast: 30);
            Assert.Equal(Enumerable.Range(0, ticks.Count).Select(i => $"tick-{i}"), ticks);
            var probe = await RunAsync(v1, forkId, forkToken, "cat /etc/hostname; hostname; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'");
            var lines = probe.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            seen.Add((lines[1], lines[^1]));
        }
        Assert.Equal(3, seen.Select(s => s.Host).Distinct().Count());
        Assert.Equal(3, seen.Select(s => s.Random).Distinct().Count());
        Assert.Equal(forks[0].Id, seen[0].Host);

        var history = (await v1.GetAsync($"/v1/sandboxes/{forks[0].Id}/events", forks[0].Token)).Json.GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("forked_from", history[0]);
        var sourceHistory = (await v1.GetAsync($"/v1/sandboxes/{id}/events", token)).Json.GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("type").GetString());
        Assert.Contains("forked", sourceHistory);
        foreach (var (forkId, forkToken) in forks) await v1.DeleteAsync($"/v1/sandboxes/{forkId}", forkToken);
        // the image the forks started from lives as long as its source, and not in the store after it
        var store = Path.Combine(server.Dir, "checkpoints");
        string[] Images() => Directory.Exists(store) ? Directory.GetFiles(store, "*", SearchOption.AllDirectories).Where(f => f.Contains(id)).ToArray() : [];
        Assert.NotEmpty(Images());
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
        await ExecuteEndpointSpec.Eventually(() => Assert.Empty(Images()), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_paused_source_forks_without_waking_and_bad_counts_are_422s()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync(new { idle_timeout = 120, enable_checkpoint = true });
        await v1.SendAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/files?path=/data/state.txt", rawBody: "before the pause", contentType: "text/plain", token: token);
        Assert.Equal(HttpStatusCode.OK, (await v1.PostAsync($"/v1/sandboxes/{id}/pause", token: token)).Status);
        var fork = await v1.PostAsync($"/v1/sandboxes/{id}/fork", new { count = 1 }, token);
        Assert.Equal(HttpStatusCode.Created, fork.Status);
        Assert.Equal("paused", (await v1.GetAsync($"/v1/sandboxes/{id}", token)).Json.GetProperty("state").GetString());
        var f = fork.Json.GetProperty("sandboxes")[0];
        var (forkId, forkToken) = (f.GetProperty("sandbox_id").GetString()!, f.GetProperty("sandbox_token").GetString()!);
        Assert.Equal("before the pause", (await v1.GetAsync($"/v1/sandboxes/{forkId}/files?path=/data/state.txt", forkToken)).Body);
        Assert.Equal("count", (await v1.PostAsync($"/v1/sandboxes/{id}/fork", new { count = 17 }, token)).Field);
        Assert.Equal("count", (await v1.PostAsync($"/v1/sandboxes/{id}/fork", new { count = 0 }, token)).Field);
        await v1.DeleteAsync($"/v1/sandboxes/{forkId}", forkToken);
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task A_background_process_keeps_its_output_and_offsets_across_a_pause_and_goes_on_after_a_resume_by_reading_it()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync(new { idle_timeout = 120, enable_checkpoint = true });
        var pid = (await v1.PostAsync($"/v1/sandboxes/{id}/processes", new { language = "python", code = Counter }, token)).Json.GetProperty("process_id").GetString()!;
        var before = await TicksAsync(v1, id, token, pid, atLeast: 10);
        Assert.Equal(HttpStatusCode.OK, (await v1.PostAsync($"/v1/sandboxes/{id}/pause", token: token)).Status);
        Assert.Equal("paused", (await v1.GetAsync($"/v1/sandboxes/{id}", token)).Json.GetProperty("state").GetString());
        // reading the output resumes it; the log is the one from before, and it grows on
        var after = await TicksAsync(v1, id, token, pid, atLeast: before.Count + 20);
        Assert.Equal(before, after.Take(before.Count));
        Assert.Equal(Enumerable.Range(0, after.Count).Select(i => $"tick-{i}"), after);
        Assert.Equal("running", (await v1.GetAsync($"/v1/sandboxes/{id}", token)).Json.GetProperty("state").GetString());
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    private static async Task<List<string>> TicksAsync(V1Http v1, string id, string token, string pid, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var body = (await v1.GetAsync($"/v1/sandboxes/{id}/processes/{pid}/output?offset=0&follow=false", token)).Body;
            var text = string.Concat(body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.GetProperty("stream").GetString() == "stdout")
                .Select(e => e.GetProperty("data").GetString()));
            var ticks = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (ticks.Count >= atLeast) return ticks;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"only {ticks.Count} ticks in 30 s in {id}");
            await Task.Delay(200);
        }
    }

    private static async Task<string> RunAsync(V1Http v1, string id, string token, string script)
    {
        var p = (await v1.PostAsync($"/v1/sandboxes/{id}/processes", new { language = "bash", code = script }, token)).Json.GetProperty("process_id").GetString();
        var body = (await v1.GetAsync($"/v1/sandboxes/{id}/processes/{p}/output?offset=0&follow=true", token)).Body;
        return string.Concat(body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("stream").GetString() == "stdout").Select(e => e.GetProperty("data").GetString()));
    }
}
