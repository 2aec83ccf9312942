using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>Checkpoint/restore and filesystem snapshots (PROTOCOL.md §6.6, §6.7, §9.6, §9.7) with real runsc.</summary>
public class CheckpointSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string S = "status:";

    internal static Task<(WsClient Client, string Id, string Token)> Create(ServerFixture server, object init) => Create(server.WsBase, init);

    internal static async Task<(WsClient Client, string Id, string Token)> Create(Uri wsBase, object init)
    {
        var c = await WsClient.ConnectAsync(new Uri(wsBase, "/create"));
        await c.SendAsync(init);
        var events = await c.ReadUntilAsync(e => e == S + SandboxStatus.Running || e.StartsWith("error:"));
        var idEvent = events.Single(e => e.StartsWith("sandbox_id:")).Split(':');
        return (c, idEvent[1], idEvent[2]);
    }

    internal static async Task<List<string>> Run(WsClient c, string language, string code)
    {
        await c.SendAsync(new { language, code });
        return await c.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone, TimeSpan.FromSeconds(60));
    }

    /// <summary>Test clean-up: kills the client's sandbox if it still has one, then drops the connection.</summary>
    internal static async Task KillAndDispose(WsClient c)
    {
        try
        {
            await c.SendAsync(new { action = "kill_sandbox" });
            await c.ReadUntilClosedAsync();
        }
        catch (Exception) { }   // already closed: nothing left to kill
        await c.DisposeAsync();
    }

    internal static async Task<List<string>> Checkpoint(WsClient c)
    {
        await c.SendAsync(new { action = "checkpoint" });
        return await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(60));
    }

    internal static Task<WsClient> Attach(ServerFixture server, string id, string token) =>
        WsClient.ConnectAsync(new Uri(server.WsBase, $"/attach/{id}?sandbox_token={token}"));

    private static readonly object CheckpointInit = new { idle_timeout = 120, enable_checkpoint = true };

    /// <summary>A background Python process counting in memory, writing its count to a file (by rename,
    /// so a reader never sees it half-written).</summary>
    internal const string StartCounter =
        "nohup python3 -c \"import os, time\ni = 0\nwhile True:\n    i += 1\n    open('/tmp/count.new', 'w').write(str(i))\n    os.replace('/tmp/count.new', '/tmp/count')\n    time.sleep(0.05)\" > /dev/null 2>&1 &\n" +
        "sleep 0.5; echo started";

    /// <summary>All stdout of an execution, however it was chunked.</summary>
    internal static string Stdout(IEnumerable<string> events) =>
        string.Concat(events.Where(e => e.StartsWith("stdout:")).Select(e => e[7..]));

    internal static int ReadCount(List<string> events) =>
        int.Parse(string.Concat(events.Where(e => e.StartsWith("stdout:")).Select(e => e[7..])).Trim());

    [Fact]
    public async Task A_counting_process_and_its_files_survive_checkpoint_and_restore()
    {
        var (c, id, token) = await Create(server, CheckpointInit);
        await Run(c, "bash", "echo hello > /tmp/note.txt; rm /etc/issue");
        Assert.Contains("stdout:started\n", await Run(c, "bash", StartCounter));
        var before = ReadCount(await Run(c, "bash", "cat /tmp/count"));
        Assert.True(before > 0);

        Assert.Equal([S + SandboxStatus.Checkpointing, S + SandboxStatus.Deleting, S + SandboxStatus.Deleted, S + SandboxStatus.Checkpointed],
            await Checkpoint(c));
        Assert.Equal(1000, c.CloseStatus);
        await c.DisposeAsync();
        Assert.Empty(Directory.GetDirectories(Path.Combine(server.Dir, "bundles")).Where(d => d.Contains(id)));

        await using var again = await Attach(server, id, token);
        await again.SendAsync(new { action = "reconnect" });
        Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running], await again.ReadUntilAsync(e => e == S + SandboxStatus.Running));
        Assert.Equal([S + SandboxStatus.ExecutionDone], await again.ReadUntilAsync(e => e.StartsWith(S)));
        var after = Stdout(await Run(again, "bash", "cat /tmp/note.txt; test -e /etc/issue && echo issue-back || echo issue-gone; sleep 0.3; cat /tmp/count")).Split('\n');
        Assert.Equal("hello", after[0]);
        Assert.Equal("issue-gone", after[1]);
        var counted = int.Parse(after[2]);
        Assert.True(counted > before, $"the counter went from {before} to {counted}");
        Assert.True(counted < before + 200, $"the counter restarted or ran on while checkpointed: {before} -> {counted}");

        await again.SendAsync(new { action = "kill_sandbox" });
        await again.ReadUntilClosedAsync();
        // kill removes the sandbox's checkpoint objects
        await ExecuteEndpointSpec.Eventually(() => Assert.DoesNotContain(
            Directory.GetFiles(Path.Combine(server.Dir, "checkpoints"), "*", SearchOption.AllDirectories), f => f.Contains(id)), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_checkpoint_taken_while_code_runs_restores_with_the_execution_still_producing_output()
    {
        var (c, id, token) = await Create(server, CheckpointInit);
        await c.SendAsync(new { language = "python", code = "import time\nfor i in range(40):\n    print(i)\n    time.sleep(0.05)\nprint('end')" });
        var before = new List<string>();
        while (!("\n" + Stdout(before)).Contains("\n5\n")) before.AddRange(await c.ReadUntilAsync(e => e.StartsWith("stdout:")));
        await c.SendAsync(new { action = "checkpoint" });
        var closing = await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(60));
        var statuses = closing.Where(e => e.StartsWith(S)).ToList();
        Assert.Equal([S + SandboxStatus.Checkpointing, S + SandboxStatus.Deleting, S + SandboxStatus.Deleted, S + SandboxStatus.Checkpointed], statuses);
        Assert.Equal(1000, c.CloseStatus);
        await c.DisposeAsync();
        await Task.Delay(1000);   // time passes while checkpointed: the program does not run meanwhile

        await using var again = await Attach(server, id, token);
        await again.SendAsync(new { action = "reconnect" });
        var resumed = await again.ReadUntilAsync(e => e == S + SandboxStatus.ExecutionDone, TimeSpan.FromSeconds(60));
        Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running, S + SandboxStatus.ExecutionRunning], resumed.Take(3));
        var lines = string.Concat(before.Concat(closing).Concat(resumed).Where(e => e.StartsWith("stdout:")).Select(e => e[7..]))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => i.ToString()).Append("end"), lines);
    }

    [Fact]
    public async Task A_sandbox_created_without_checkpointing_refuses_and_keeps_running()
    {
        var (c, id, token) = await Create(server, new { idle_timeout = 60 });
        var events = await Checkpoint(c);
        Assert.Equal(S + SandboxStatus.CheckpointError, events[1]);
        Assert.Contains("not configured for checkpointing", events[2]);
        Assert.Equal(4000, c.CloseStatus);
        await c.DisposeAsync();
        await using var again = await Attach(server, id, token);
        Assert.Equal([S + SandboxStatus.Running], await again.ReadUntilAsync(e => e.StartsWith(S)));
    }

    [Fact]
    public async Task A_corrupted_checkpoint_gives_a_restore_error_and_breaks_nothing_else()
    {
        var (bystander, _, _) = await Create(server, new { idle_timeout = 60 });
        await using var _b = bystander;
        var (c, id, token) = await Create(server, CheckpointInit);
        await Run(c, "bash", "echo data > /tmp/d");
        await Checkpoint(c);
        await c.DisposeAsync();
        var image = Directory.GetFiles(Path.Combine(server.Dir, "checkpoints"), "*.tar", SearchOption.AllDirectories).Single(f => f.Contains(id));
        await using (var f = new FileStream(image, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Seek(f.Length / 2, SeekOrigin.Begin);
            f.WriteByte(0x5a);
            f.WriteByte(0xa5);
        }

        await using (var again = await Attach(server, id, token))
        {
            var events = await again.ReadUntilClosedAsync();
            Assert.Equal(S + SandboxStatus.Restoring, events[0]);
            Assert.Equal(S + SandboxStatus.RestoreError, events[1]);
            Assert.Contains("corrupt", events[2]);
            Assert.Equal(4000, again.CloseStatus);
        }
        Assert.DoesNotContain(Directory.GetDirectories(Path.Combine(server.Dir, "bundles")), d => d.Contains(id));
        Assert.Contains("stdout:fine\n", await Run(bystander, "bash", "echo fine"));
    }

    [Fact]
    public async Task Wrong_token_is_refused_before_anything_is_restored()
    {
        var (c, id, _) = await Create(server, CheckpointInit);
        await Checkpoint(c);
        await c.DisposeAsync();
        await using var wrong = await Attach(server, id, new string('f', 32));
        Assert.Equal([S + SandboxStatus.PermissionDenialError, "error:Invalid sandbox token."], await wrong.ReadUntilClosedAsync());
        Assert.DoesNotContain(Directory.GetDirectories(Path.Combine(server.Dir, "bundles")), d => d.Contains(id));
    }

    [Fact]
    public async Task Five_sandboxes_checkpoint_at_once_and_all_restore()
    {
        var sandboxes = await Task.WhenAll(Enumerable.Range(0, 5).Select(async i =>
        {
            var (c, id, token) = await Create(server, CheckpointInit);
            await Run(c, "python", $"open('/tmp/n', 'w').write('{i}')");
            return (c, id, token, i);
        }));
        var results = await Task.WhenAll(sandboxes.Select(s => Checkpoint(s.c)));
        Assert.All(results, r => Assert.Equal(S + SandboxStatus.Checkpointed, r[^1]));
        await Task.WhenAll(sandboxes.Select(async s =>
        {
            await s.c.DisposeAsync();
            await using var again = await Attach(server, s.id, s.token);
            await again.ReadUntilAsync(e => e == S + SandboxStatus.Running);
            Assert.Contains($"stdout:{s.i}", await Run(again, "bash", "cat /tmp/n"));
            await again.SendAsync(new { action = "kill_sandbox" });
            await again.ReadUntilClosedAsync();
        }));
    }

    [Fact]
    public async Task An_idle_sandbox_with_auto_checkpoint_is_checkpointed_instead_of_deleted()
    {
        var (c, id, token) = await Create(server, new { idle_timeout = 2, enable_checkpoint = true, enable_idle_timeout_auto_checkpoint = true });
        await Run(c, "bash", "echo kept > /tmp/k");
        Assert.Equal([S + SandboxStatus.Deleting, S + SandboxStatus.Deleted], await c.ReadUntilClosedAsync(TimeSpan.FromSeconds(20)));
        await c.DisposeAsync();
        await using var again = await Attach(server, id, token);
        Assert.Equal([S + SandboxStatus.Restoring, S + SandboxStatus.Running], await again.ReadUntilAsync(e => e == S + SandboxStatus.Running));
        Assert.Contains("stdout:kept\n", await Run(again, "bash", "cat /tmp/k"));
    }

    [Fact]
    public async Task A_snapshot_carries_added_and_deleted_files_into_a_new_sandbox()
    {
        var (c, _, _) = await Create(server, new { idle_timeout = 60 });
        await using var _c = c;
        await Run(c, "bash", "mkdir -p /tmp/proj && echo added > /tmp/proj/a.txt && rm /etc/issue && echo changed > /etc/motd");
        await c.SendAsync(new { action = "snapshot_filesystem", name = "proj-1.0_test" });
        Assert.Equal([S + SandboxStatus.FilesystemSnapshotCreating, S + SandboxStatus.FilesystemSnapshotCreated],
            await c.ReadUntilAsync(e => e.StartsWith(S + "SANDBOX_FILESYSTEM_SNAPSHOT_C") && e.EndsWith("CREATED") || e.Contains("ERROR")));

        var (d, _, _) = await Create(server, new { idle_timeout = 60, filesystem_snapshot_name = "proj-1.0_test" });
        await using var _d = d;
        var seen = string.Concat(await Run(d, "bash", "cat /tmp/proj/a.txt; cat /etc/motd; test -e /etc/issue && echo issue-present || echo issue-absent"));
        Assert.Contains("added", seen);
        Assert.Contains("changed", seen);
        Assert.Contains("issue-absent", seen);
        // the source sandbox is untouched and still running
        Assert.Contains("stdout:added\n", await Run(c, "bash", "cat /tmp/proj/a.txt"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("name with spaces")]
    public async Task Bad_snapshot_names_are_refused_and_the_session_stays_usable(string name)
    {
        var (c, _, _) = await Create(server, new { idle_timeout = 60 });
        await using var _c = c;
        await c.SendAsync(new { action = "snapshot_filesystem", name });
        var events = await c.ReadUntilAsync(e => e.StartsWith("error:"));
        Assert.Equal([S + SandboxStatus.FilesystemSnapshotCreating, S + SandboxStatus.FilesystemSnapshotError], events.Take(2));
        Assert.Contains("snapshot name", events[2]);
        Assert.Contains("stdout:ok\n", await Run(c, "bash", "echo ok"));
        Assert.Empty(Directory.GetFiles(Path.Combine(server.Dir, "snapshots"), "*", SearchOption.AllDirectories).Where(f => f.Contains("escape")));
    }

    [Theory]
    [InlineData("does-not-exist", "Filesystem snapshot not found: does-not-exist")]
    [InlineData("../../etc", "invalid snapshot name")]
    [InlineData("x-129-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "invalid snapshot name")]
    public async Task Creating_from_a_missing_or_invalid_snapshot_fails_with_a_message(string name, string message)
    {
        await using var c = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"));
        await c.SendAsync(new { idle_timeout = 60, filesystem_snapshot_name = name });
        var events = await c.ReadUntilClosedAsync();
        Assert.Equal([S + SandboxStatus.Creating, S + SandboxStatus.CreationError], events.Take(2));
        Assert.Contains(message, events[2]);
        Assert.Equal(4000, c.CloseStatus);
    }
}
