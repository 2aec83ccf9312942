using System.Diagnostics;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Api;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>A cluster of its own for the fork crash (each crash spec kills one of its three hosts);
/// BASE_PORT random in 18_000–18_590, which no other cluster spec uses.</summary>
public sealed class MidForkClusterFixture : MidCheckpointClusterFixture
{
    public override int BasePort { get; } = 18_000 + Random.Shared.Next(0, 60) * 10;
}

/// <summary>
/// Issue 15 (faults): a host killed (kill -9) while it stores the image of a fork. Nothing was
/// acknowledged, so nothing may exist: the fork's caller hears a failure and the source comes back
/// from its last complete checkpoint on another host, its history saying what happened.
/// </summary>
[Collection(nameof(MultiProcessClusters))]
public class MidForkCrashSpec(MidForkClusterFixture cluster) : IClassFixture<MidForkClusterFixture>
{
    private const string S = "status:";

    [Fact]
    public async Task A_host_killed_in_the_middle_of_a_fork_loses_nothing_acknowledged_and_the_source_comes_back_from_its_checkpoint()
    {
        var (c, id, token) = await CheckpointSpec.Create(cluster.Gateway1, new { idle_timeout = 600, enable_checkpoint = true });
        await using (c)
        {
            await CheckpointSpec.Run(c, "bash", "echo A > /tmp/state");
            Assert.Equal(S + SandboxStatus.Checkpointed, (await CheckpointSpec.Checkpoint(c))[^1]);
        }
        (string Node, int Pid) owner;
        await using (var attached = await WsClient.ConnectAsync(new Uri(cluster.Gateway1, $"/attach/{id}?sandbox_token={token}")))
        {
            await attached.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.Contains("ERROR"), TimeSpan.FromSeconds(60));
            // state B with enough memory that the fork's image takes a while to store
            await CheckpointSpec.Run(attached, "bash",
                "echo B > /tmp/state\n" +
                MidCheckpointClusterFixture.HoldMemoryInBackground +
                "for i in $(seq 600); do [ -f /tmp/b-memory ] && break; sleep 0.1; done");
            owner = cluster.HostRunning(id) ?? throw new InvalidOperationException("no host runs the sandbox");
        }

        using var v1 = new V1Http(cluster.Http1);
        var fork = v1.PostAsync($"/v1/sandboxes/{id}/fork", new { count = 1 }, token);
        var sw = Stopwatch.StartNew();
        string? partial = null;
        while (sw.Elapsed < TimeSpan.FromSeconds(120) && partial is null && !fork.IsCompleted)
        {
            partial = cluster.StoredCheckpoints(id).FirstOrDefault(f => f.StartsWith("fork_") && f.Contains(".partial-"));
            if (partial is null) await Task.Delay(20);
        }
        Assert.True(partial is not null, $"the fork's image never started writing to the store within {sw.Elapsed}: {string.Join(", ", cluster.StoredCheckpoints(id))}");
        Process.GetProcessById(owner.Pid).Kill();   // kill -9, mid-image

        // the fork was never acknowledged: its caller hears a failure, not a sandbox
        Answer? answer = null;
        try { answer = await fork; }
        catch (HttpRequestException) { }   // the gateway's connection to the host died with it
        Assert.True(answer is null || answer.Status != System.Net.HttpStatusCode.Created, answer?.Body);

        // the source comes back from its last complete checkpoint on a survivor, and says what happened
        using var v2 = new V1Http(cluster.Http2);
        await using var back = await WsClient.ConnectAsync(new Uri(cluster.Gateway2, $"/attach/{id}?sandbox_token={token}"));
        Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running],
            await back.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.Contains("ERROR"), TimeSpan.FromSeconds(120)));
        Assert.NotEqual(owner.Node, (cluster.HostRunning(id) ?? throw new InvalidOperationException("restored nowhere")).Node);
        Assert.Equal("A\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(back, "bash", "cat /tmp/state")));
        var history = (await v2.GetAsync($"/v1/sandboxes/{id}/events", token)).Json.GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal(["paused", "restored", "container_lost", "restored"], history.SkipWhile(t => t != "paused").ToList());
        await back.SendAsync(new { action = "kill_sandbox" });
        await back.ReadUntilClosedAsync(TimeSpan.FromSeconds(60));
    }
}
