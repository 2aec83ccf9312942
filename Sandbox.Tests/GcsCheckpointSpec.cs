using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Storage;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>A node whose checkpoints and snapshots go to Google Cloud Storage through the real
/// Google.Cloud.Storage.V1 client, here talking to <see cref="FakeGcsServer"/> (a fake of Google's service).</summary>
public sealed class GcsServerFixture : ServerFixture
{
    public FakeGcsServer Gcs { get; private set; } = null!;

    protected override SandboxHostSettings Customize(SandboxHostSettings s)
    {
        Gcs = FakeGcsServer.StartAsync().GetAwaiter().GetResult();
        return s with
        {
            CheckpointMountPath = null, CheckpointBucket = "sandbox-checkpoints",
            SnapshotMountPath = null, SnapshotBucket = "sandbox-snapshots",
            GcsEndpoint = Gcs.Endpoint.ToString(),
        };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Gcs.DisposeAsync();
    }
}

public class GcsCheckpointSpec(GcsServerFixture server) : IClassFixture<GcsServerFixture>
{
    private const string S = "status:";

    [Fact]
    public async Task Checkpoints_and_snapshots_go_through_google_cloud_storage_and_come_back()
    {
        var (c, id, token) = await CheckpointSpec.Create(server, new { idle_timeout = 120, enable_checkpoint = true });
        await CheckpointSpec.Run(c, "bash", "echo in-gcs > /tmp/g.txt");
        await c.SendAsync(new { action = "snapshot_filesystem", name = "gcs-snap" });
        Assert.Equal(S + SandboxStatus.FilesystemSnapshotCreated, (await c.ReadUntilAsync(e => e.Contains("SNAPSHOT_CREATED") || e.Contains("ERROR")))[^1]);
        Assert.Contains("filesystem_snapshots/gcs-snap/gcs-snap.tar", server.Gcs.ObjectNames("sandbox-snapshots"));

        Assert.Equal(S + SandboxStatus.Checkpointed, (await CheckpointSpec.Checkpoint(c))[^1]);
        await c.DisposeAsync();
        Assert.Contains(server.Gcs.ObjectNames("sandbox-checkpoints"), n => n.StartsWith($"sandbox_checkpoints/{id}/"));

        await using var again = await CheckpointSpec.Attach(server, id, token);
        Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running], await again.ReadUntilAsync(e => e == S + SandboxStatus.Running));
        Assert.Contains("stdout:in-gcs\n", await CheckpointSpec.Run(again, "bash", "cat /tmp/g.txt"));

        var (fromSnapshot, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 60, filesystem_snapshot_name = "gcs-snap" });
        await using var _f = fromSnapshot;
        Assert.Contains("stdout:in-gcs\n", await CheckpointSpec.Run(fromSnapshot, "bash", "cat /tmp/g.txt"));

        await again.SendAsync(new { action = "kill_sandbox" });
        await again.ReadUntilClosedAsync();
        await ExecuteEndpointSpec.Eventually(() => Assert.DoesNotContain(server.Gcs.ObjectNames("sandbox-checkpoints"), n => n.Contains(id)), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task When_the_store_is_unavailable_a_checkpoint_fails_and_the_sandbox_keeps_running()
    {
        var (c, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 120, enable_checkpoint = true });
        await using var _c = c;
        await CheckpointSpec.Run(c, "python", "import time; open('/tmp/before', 'w').write('x')");
        server.Gcs.FailUploads = true;
        try
        {
            await c.SendAsync(new { action = "checkpoint" });
            var events = await c.ReadUntilAsync(e => e.StartsWith("error:"), TimeSpan.FromSeconds(60));
            Assert.Equal([S + SandboxStatus.Checkpointing, S + SandboxStatus.CheckpointError], events.Take(2));
            Assert.Contains("Failed to checkpoint sandbox", events[2]);
        }
        finally
        {
            server.Gcs.FailUploads = false;
        }
        // the same sandbox, same files, still serving
        Assert.Contains("stdout:x", await CheckpointSpec.Run(c, "bash", "cat /tmp/before"));
        Assert.Equal(S + SandboxStatus.Checkpointed, (await CheckpointSpec.Checkpoint(c))[^1]);
    }
}
