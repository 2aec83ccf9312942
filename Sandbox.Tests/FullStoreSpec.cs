using System.Diagnostics;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>A node whose checkpoint store is a 4 MiB tmpfs: any checkpoint image is larger, so the store fills up.</summary>
public sealed class FullStoreFixture : ServerFixture
{
    public string StoreDir { get; } = Path.Combine(Path.GetTempPath(), "sandbox-full-store-" + Guid.NewGuid().ToString("N")[..8]);

    protected override SandboxHostSettings Customize(SandboxHostSettings s)
    {
        Directory.CreateDirectory(StoreDir);
        Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", StoreDir);
        return s with { CheckpointMountPath = StoreDir };
    }

    public override async Task DisposeAsync()
    {
        try { await base.DisposeAsync(); }
        finally
        {
            Run("umount", StoreDir);
            Directory.Delete(StoreDir, recursive: true);
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {err}");
    }
}

public class FullStoreSpec(FullStoreFixture server) : IClassFixture<FullStoreFixture>
{
    private const string S = "status:";

    [Fact]
    public async Task When_the_checkpoint_store_is_full_the_client_is_told_and_the_sandbox_keeps_running_with_its_memory()
    {
        var (c, _, _) = await CheckpointSpec.Create(server, new { idle_timeout = 120, enable_checkpoint = true });
        await using var _c = c;
        Assert.Contains("stdout:started\n", await CheckpointSpec.Run(c, "bash", CheckpointSpec.StartCounter));
        var before = CheckpointSpec.ReadCount(await CheckpointSpec.Run(c, "bash", "cat /tmp/count"));

        await c.SendAsync(new { action = "checkpoint" });
        var events = await c.ReadUntilAsync(e => e.StartsWith("error:") || e == S + SandboxStatus.Checkpointed, TimeSpan.FromSeconds(60));
        Assert.Equal([S + SandboxStatus.Checkpointing, S + SandboxStatus.CheckpointError], events.Take(2));
        Assert.Contains("No space left on device", events[2]);

        // the same sandbox, its background process still counting, and nothing partial left in the store
        var after = CheckpointSpec.ReadCount(await CheckpointSpec.Run(c, "bash", "sleep 0.3; cat /tmp/count"));
        Assert.True(after > before, $"in-memory counter went from {before} to {after}");
        Assert.Empty(Directory.GetFiles(server.StoreDir, "*", SearchOption.AllDirectories));
        await c.SendAsync(new { action = "kill_sandbox" });
        await c.ReadUntilClosedAsync();
    }
}
