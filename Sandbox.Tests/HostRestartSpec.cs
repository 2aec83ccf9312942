using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>A sandbox outlives its host process: graceful shutdown checkpoints it, another host restores it.</summary>
public class HostRestartSpec
{
    private const string S = "status:";

    [Fact]
    public async Task A_node_shutting_down_checkpoints_its_sandbox_and_a_second_host_restores_it_running()
    {
        var first = new ServerFixture();
        await first.InitializeAsync();
        ServerFixture? second = null;
        try
        {
            var (c, id, token) = await CheckpointSpec.Create(first, new { idle_timeout = 120, enable_checkpoint = true });
            await CheckpointSpec.Run(c, "bash", "echo persisted > /root/file.txt");
            await CheckpointSpec.Run(c, "bash", CheckpointSpec.StartCounter);
            var before = CheckpointSpec.ReadCount(await CheckpointSpec.Run(c, "bash", "cat /tmp/count"));
            var (plain, plainId, plainToken) = await CheckpointSpec.Create(first, new { idle_timeout = 120 });

            var stopping = first.StopAsync();
            // the attached clients are told; the checkpoint-enabled sandbox is checkpointed, the other deleted
            Assert.Equal([S + SandboxStatus.Deleting, S + SandboxStatus.Deleted], await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal([S + SandboxStatus.Deleting, S + SandboxStatus.Deleted], await plain.ReadUntilClosedAsync(TimeSpan.FromSeconds(60)));
            await stopping;   // and it left no container, mount or bundle behind
            await c.DisposeAsync();
            await plain.DisposeAsync();

            second = ServerFixture.SharingStateWith(first);
            await second.InitializeAsync();
            await using var again = await CheckpointSpec.Attach(second, id, token);
            Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running], await again.ReadUntilAsync(e => e == S + SandboxStatus.Running, TimeSpan.FromSeconds(60)));
            var after = CheckpointSpec.Stdout(await CheckpointSpec.Run(again, "bash", "cat /root/file.txt; sleep 0.3; cat /tmp/count")).Split('\n');
            Assert.Equal("persisted", after[0]);
            var counted = int.Parse(after[1]);
            Assert.True(counted > before, $"the in-memory counter went from {before} to {counted}");

            await using var gone = await CheckpointSpec.Attach(second, plainId, plainToken);
            Assert.Equal([S + SandboxStatus.NotFound], await gone.ReadUntilClosedAsync());
        }
        finally
        {
            if (second is not null) await second.DisposeAsync();
            await first.DisposeAsync();
        }
    }
}
