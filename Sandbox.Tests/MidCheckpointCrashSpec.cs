using System.Diagnostics;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Api;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>deploy/local/cluster.sh on its own ports (BASE_PORT 19000, or SANDBOX_TEST_CLUSTER_BASE_PORT).</summary>
public class MidCheckpointClusterFixture : LocalClusterFixture
{
    public override int BasePort { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("SANDBOX_TEST_CLUSTER_BASE_PORT"), out var p) && p > 1024 ? p : 19_000;

    /// <summary>A background process holding 768 MiB of incompressible memory (its image takes a while to
    /// store); it marks /tmp/b-memory once it holds it.</summary>
    public const string HoldMemoryInBackground =
        "nohup python3 -c \"import os, time\nb = os.urandom(768 << 20)\nopen('/tmp/b-memory', 'w').write('held')\ntime.sleep(100000)\" > /dev/null 2>&1 &\n";

    /// <summary>The sandbox's objects in the shared checkpoint store (committed and partial).</summary>
    public string[] StoredCheckpoints(string sandboxId)
    {
        var dir = Path.Combine(Dir, "checkpoints", "sandbox_checkpoints", sandboxId);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Select(Path.GetFileName).ToArray()! : [];
    }
}

/// <summary>
/// Issue 8 (faults): a host killed (kill -9) while it writes a checkpoint. The journal records a
/// checkpoint only after its archive is committed, so the next restore, on another host, uses the
/// last complete checkpoint and never the partial one.
/// </summary>
[Collection(nameof(MultiProcessClusters))]
public class MidCheckpointCrashSpec(MidCheckpointClusterFixture cluster) : IClassFixture<MidCheckpointClusterFixture>
{
    private const string S = "status:";

    [Fact]
    public async Task A_host_killed_in_the_middle_of_a_checkpoint_restores_from_the_last_complete_one()
    {
        // state A, checkpointed completely
        var (c, id, token) = await CheckpointSpec.Create(cluster.Gateway1, new { idle_timeout = 600, enable_checkpoint = true });
        await using (c)
        {
            await CheckpointSpec.Run(c, "bash", "echo A > /tmp/state");
            Assert.Equal(S + SandboxStatus.Checkpointed, (await CheckpointSpec.Checkpoint(c))[^1]);
        }
        var complete = Assert.Single(cluster.StoredCheckpoints(id));

        // restored; state B, with enough memory that the next checkpoint takes a while
        (string Node, int Pid) owner;
        var attached = await WsClient.ConnectAsync(new Uri(cluster.Gateway1, $"/attach/{id}?sandbox_token={token}"));
        await using (attached)
        {
            Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running], await attached.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.Contains("ERROR"), TimeSpan.FromSeconds(60)));
            Assert.Equal("A\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(attached, "bash", "cat /tmp/state")));
            Assert.Equal("B\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(attached, "bash",
                "echo B > /tmp/state\n" +
                MidCheckpointClusterFixture.HoldMemoryInBackground +
                "for i in $(seq 600); do [ -f /tmp/b-memory ] && break; sleep 0.1; done; cat /tmp/state")));
            owner = cluster.HostRunning(id) ?? throw new InvalidOperationException("no host runs the sandbox");

            // ask for a checkpoint and kill its host while the archive is being written
            await attached.SendAsync(new { action = "checkpoint" });
            var sw = Stopwatch.StartNew();
            string? partial = null;
            while (sw.Elapsed < TimeSpan.FromSeconds(120) && partial is null)
            {
                partial = cluster.StoredCheckpoints(id).FirstOrDefault(f => f.Contains(".partial-"));
                if (partial is null) await Task.Delay(20);
            }
            Assert.True(partial is not null, $"the checkpoint never started writing to the store within {sw.Elapsed}: {string.Join(", ", cluster.StoredCheckpoints(id))}");
            Process.GetProcessById(owner.Pid).Kill();   // kill -9, mid-upload
            var afterKill = cluster.StoredCheckpoints(id);
            Assert.True(afterKill.Length == 2 && afterKill.Contains(complete) && afterKill.Contains(partial),
                $"expected the complete checkpoint and the partial one only, found: {string.Join(", ", afterKill)}");
            // the client is told it lost its sandbox; it was never told the checkpoint succeeded
            var told = await attached.ReadUntilClosedAsync(TimeSpan.FromSeconds(60));
            Assert.DoesNotContain(S + SandboxStatus.Checkpointed, told);
        }

        // through the other gateway: the survivors restore checkpoint A
        await using var third = await WsClient.ConnectAsync(new Uri(cluster.Gateway2, $"/attach/{id}?sandbox_token={token}"));
        Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running],
            await third.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.Contains("ERROR"), TimeSpan.FromSeconds(120)));
        var survivor = cluster.HostRunning(id) ?? throw new InvalidOperationException("restored nowhere");
        Assert.NotEqual(owner.Node, survivor.Node);
        Assert.Equal("A\nno B memory\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(third, "bash",
            "cat /tmp/state; [ -f /tmp/b-memory ] && echo B memory || echo no B memory")));
        // and its history says what happened: paused (A), restored, its host lost mid-checkpoint, restored again
        using var v1 = new V1Http(cluster.Http2);
        var history = (await v1.GetAsync($"/v1/sandboxes/{id}/events", token)).Json.GetProperty("events").EnumerateArray()
            .Select(e => (Type: e.GetProperty("type").GetString(), Detail: e.GetProperty("detail").GetString()!)).ToList();
        var sincePause = history.SkipWhile(e => e.Type != "paused").Select(e => e.Type).ToList();
        Assert.Equal(["paused", "restored", "container_lost", "restored"], sincePause);
        var restoredOn = history.Where(e => e.Type == "restored").Select(e => e.Detail).TakeLast(2).ToList();
        Assert.NotEqual(restoredOn[0], restoredOn[1]);   // "on <node address>": another node the second time
        await third.SendAsync(new { action = "kill_sandbox" });
        await third.ReadUntilClosedAsync(TimeSpan.FromSeconds(60));
    }
}
