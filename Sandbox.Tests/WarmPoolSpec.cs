using Microsoft.Extensions.DependencyInjection;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

public sealed class WarmPoolFixture : ServerFixture
{
    // a pool of fixed size: the spec counts its containers
    protected override SandboxHostSettings Customize(SandboxHostSettings s) => s with { WarmPoolSize = 2, WarmPoolMax = 2 };
}

public sealed class GrowingWarmPoolFixture : ServerFixture
{
    protected override SandboxHostSettings Customize(SandboxHostSettings s) => s with { WarmPoolSize = 1, WarmPoolMax = 4 };
}

/// <summary>Issue 17: the pool sizes itself from the creates it sees.</summary>
public class GrowingWarmPoolSpec(GrowingWarmPoolFixture server) : IClassFixture<GrowingWarmPoolFixture>
{
    private WarmPool Pool => server.App.Services.GetRequiredService<WarmPool>();

    /// <summary>The pool's waiting keys once it holds <paramref name="count"/>.</summary>
    private async Task<IReadOnlyList<string>> WaitingAsync(int count)
    {
        IReadOnlyList<string> waiting = [];
        await ExecuteEndpointSpec.Eventually(() => { waiting = Pool.WaitingKeys; Assert.Equal(count, waiting.Count); }, TimeSpan.FromSeconds(60));
        return waiting;
    }

    [Fact]
    public async Task A_burst_of_creates_grows_the_pool_to_its_size_so_the_next_burst_finds_every_container_warm()
    {
        using var api = new Api.V1Http(server);
        await WaitingAsync(1);
        var sandboxes = new List<(string Id, string Token)>();
        async Task BurstAsync(int n)
        {
            var created = await Task.WhenAll(Enumerable.Range(0, n).Select(_ => api.CreateAsync()));
            sandboxes.AddRange(created.Select(c => (c.Id, c.Token)));
        }
        try
        {
            await BurstAsync(3);   // one from the pool, two cold: the pool now wants three
            Assert.Equal(3, Pool.Target);
            var warm = await WaitingAsync(3);
            await BurstAsync(3);
            Assert.Empty(warm.Intersect(Pool.WaitingKeys));   // all three were handed out
            Assert.InRange(Pool.Target, 3, 4);   // never past its maximum, however many came
        }
        finally
        {
            foreach (var (id, token) in sandboxes) await api.DeleteAsync($"/v1/sandboxes/{id}", token);
        }
    }
}

/// <summary>Issue 7: sandboxes started ahead of demand, handed out once, refilled in the background.</summary>
public class WarmPoolSpec(WarmPoolFixture server) : IClassFixture<WarmPoolFixture>
{
    private const string S = "status:";
    private const int RefillWithin = 30;
    private string[] PoolBundles() => Directory.GetDirectories(Path.Combine(server.Dir, "bundles"), "runsc_bundle_pool-*");

    private async Task PoolIsFull() =>
        await ExecuteEndpointSpec.Eventually(() => Assert.Equal(2, PoolBundles().Length), TimeSpan.FromSeconds(RefillWithin));

    [Fact]
    public async Task A_created_sandbox_gets_a_warm_container_that_nobody_else_gets_and_the_pool_refills()
    {
        await PoolIsFull();
        var warm = PoolBundles().ToHashSet();
        var (c, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        // the sandbox runs in one of the two warm containers, and a third one is started to refill
        await ExecuteEndpointSpec.Eventually(() => Assert.Equal(3, PoolBundles().Length), TimeSpan.FromSeconds(RefillWithin));
        var (d, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60 });
        Assert.Contains("stdout:42\n", await CheckpointSpec.Run(c, "python", "print(6*7)"));
        Assert.Contains("stdout:43\n", await CheckpointSpec.Run(d, "python", "print(6*7+1)"));
        await Run(c, "echo private > /tmp/mine");
        Assert.Contains("stdout:absent\n", await Run(d, "test -e /tmp/mine && echo present || echo absent"));

        foreach (var x in new[] { c, d })
        {
            await x.SendAsync(new { action = "kill_sandbox" });
            await x.ReadUntilClosedAsync();
            await x.DisposeAsync();
        }
        // the two used containers are gone for good; the pool is back to two fresh ones
        await ExecuteEndpointSpec.Eventually(() =>
        {
            var now = PoolBundles();
            Assert.Equal(2, now.Length);
            Assert.Empty(now.Intersect(warm));
        }, TimeSpan.FromSeconds(RefillWithin));
    }

    [Fact]
    public async Task A_warm_sandbox_checkpoints_and_restores_under_its_recorded_container_key()
    {
        await PoolIsFull();
        var (c, id, token) = await CheckpointSpec.Create(server, new { idle_timeout = 60, enable_checkpoint = true });
        await Run(c, "echo warm > /tmp/w");
        Assert.Equal(S + SandboxStatus.Checkpointed, (await CheckpointSpec.Checkpoint(c))[^1]);
        await c.DisposeAsync();
        await using var again = await CheckpointSpec.Attach(server, id, token);
        await again.ReadUntilAsync(e => e == S + SandboxStatus.Running);
        Assert.Contains("stdout:warm\n", await Run(again, "cat /tmp/w"));
        await again.SendAsync(new { action = "kill_sandbox" });
        await again.ReadUntilClosedAsync();
    }

    [Fact]
    public async Task Http_execute_is_served_from_the_pool()
    {
        await PoolIsFull();
        var warm = PoolBundles();
        using var http = new HttpClient { BaseAddress = server.HttpBase };
        var body = await (await http.PostAsync("/execute?language=python", new StringContent("print(6*7)"))).Content.ReadAsStringAsync();
        Assert.Equal("42\n", body);
        // one of the warm containers ran it and is gone; a fresh one took its place
        await ExecuteEndpointSpec.Eventually(() =>
        {
            var now = PoolBundles();
            Assert.Equal(2, now.Length);
            Assert.Single(warm.Except(now));
        }, TimeSpan.FromSeconds(RefillWithin));
    }

    private static Task<List<string>> Run(WsClient c, string code) => CheckpointSpec.Run(c, "bash", code);
}
