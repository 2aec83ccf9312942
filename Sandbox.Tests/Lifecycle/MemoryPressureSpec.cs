using System.Net;
using System.Text.Json;
using Sandbox.Tests.Api;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Lifecycle;

/// <summary>A node sized for two live sandboxes (as if its memory held only two).</summary>
public sealed class TwoLiveSandboxesFixture : ServerFixture
{
    protected override string? ExtraEnvironment(string name) => name == "SANDBOX_HOST_MAX_SANDBOXES" ? "2" : null;
}

/// <summary>
/// API-v1.md §5 and issue 15: a host short of memory pauses its least recently active sandboxes that
/// allow it before it refuses new ones; live sandboxes are bounded by memory, paused ones by disk.
/// </summary>
public class MemoryPressureSpec(TwoLiveSandboxesFixture server) : IClassFixture<TwoLiveSandboxesFixture>
{
    private static async Task<string> StateOf(V1Http v1, string id, string token) =>
        (await v1.GetAsync($"/v1/sandboxes/{id}", token)).Json.GetProperty("state").GetString()!;

    private static async Task<string> EventuallyState(V1Http v1, string id, string token, string wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var state = await StateOf(v1, id, token);
        while (state != wanted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            state = await StateOf(v1, id, token);
        }
        return state;
    }

    private static async Task Touch(V1Http v1, string id, string token) =>
        Assert.Equal(HttpStatusCode.OK, (await v1.GetAsync($"/v1/sandboxes/{id}/files/stat?path=/tmp", token)).Status);

    [Fact]
    public async Task A_full_host_pauses_its_least_recently_active_sandbox_for_a_new_one_and_refuses_only_when_none_can_pause()
    {
        using var v1 = new V1Http(server);
        var created = new List<(string Id, string Token)>();
        try
        {
            var older = await v1.CreateAsync(new { idle_timeout = 300, enable_checkpoint = true });
            created.Add((older.Id, older.Token));
            var pid = await V1ProcessesSpec.StartAsync(v1, older.Id, older.Token, V1ProcessesSpec.Counter);
            var counted = await V1ProcessesSpec.CountedPastAsync(v1, older.Id, older.Token, pid, 3);
            var newer = await v1.CreateAsync(new { idle_timeout = 300, enable_checkpoint = true });
            created.Add((newer.Id, newer.Token));
            await Touch(v1, newer.Id, newer.Token);          // the newer one was used last

            // the host is full: a third sandbox still comes up, and the least recently active one pauses for it
            var third = await v1.CreateAsync(new { idle_timeout = 300 });
            created.Add((third.Id, third.Token));
            Assert.Equal("paused", await EventuallyState(v1, older.Id, older.Token, "paused"));
            Assert.Equal("running", await StateOf(v1, newer.Id, newer.Token));
            var history = (await v1.GetAsync($"/v1/sandboxes/{older.Id}/events", older.Token)).Json.GetProperty("events").EnumerateArray().ToList();
            Assert.Contains(history, e => e.GetProperty("type").GetString() == "paused" &&
                e.GetProperty("detail").GetString()!.StartsWith("its host needed the memory for other sandboxes"));
            Assert.Equal("paused", (await v1.GetAsync($"/v1/sandboxes?state=paused", null)).Json.GetProperty("sandboxes").EnumerateArray()
                .Single(s => s.GetProperty("sandbox_id").GetString() == older.Id).GetProperty("state").GetString());

            // using the paused one resumes it (its process counting on at the same offsets), and the host
            // pauses the one now least recently active that allows it: the newer (the third has no checkpoints)
            var resumed = await V1ProcessesSpec.CountedPastAsync(v1, older.Id, older.Token, pid, V1ProcessesSpec.AssertCountsFromOne(counted));
            Assert.StartsWith(counted, resumed);
            Assert.Equal("paused", await EventuallyState(v1, newer.Id, newer.Token, "paused"));
            Assert.Equal("running", await StateOf(v1, third.Id, third.Token));

            // a fourth pauses the older again; then only sandboxes without checkpoints run, and a fifth is refused
            var fourth = await v1.CreateAsync(new { idle_timeout = 300 });
            created.Add((fourth.Id, fourth.Token));
            Assert.Equal("paused", await EventuallyState(v1, older.Id, older.Token, "paused"));
            var refused = await v1.PostAsync("/v1/sandboxes", new { idle_timeout = 300 });
            Assert.Contains("capacity", refused.Problem(HttpStatusCode.ServiceUnavailable));

            // nothing was lost by either pause
            Assert.Equal(HttpStatusCode.OK, (await v1.GetAsync($"/v1/sandboxes/{newer.Id}/files/stat?path=/tmp", newer.Token)).Status);
        }
        finally
        {
            foreach (var (id, token) in created) await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
        }
    }
}
