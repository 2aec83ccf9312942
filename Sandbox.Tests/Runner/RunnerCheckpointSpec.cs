using System.Text.RegularExpressions;
using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;
using Xunit.Abstractions;
using static Sandbox.Tests.Runner.RunnerTestKit;

namespace Sandbox.Tests.Runner;

/// <summary>Processes across a checkpoint and restore, and what each restore of one image (a fork)
/// gets of its own: entropy and a hostname.</summary>
public class RunnerCheckpointSpec(RunnerSandboxes sandboxes, ITestOutputHelper output) : IClassFixture<RunnerSandboxes>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Quiesces the runner and checkpoints the container into its bundle's image directory.</summary>
    private static async Task Checkpoint(SandboxContainer c)
    {
        await c.Runner.SyncAsync(quiesce: true);
        var r = await c.CheckpointAsync(c.Bundle.ImageDir, CancellationToken.None);
        Assert.True(r.Ok, r.Reason);
    }

    private async Task<SandboxContainer> Restore(SandboxContainer from, string? hostname = null) =>
        sandboxes.Track(await SandboxContainer.RestoreAsync(sandboxes.Runsc, from.Bundle, from.Bundle.ImageDir, Timeout, CancellationToken.None, hostname));

    private static IEnumerable<int> Ticks(string text) => Regex.Matches(text, @"tick-(\d+)\n").Select(m => int.Parse(m.Groups[1].Value));

    [Fact]
    public async Task Processes_keep_running_across_a_checkpoint_and_restore_with_their_ids_and_offsets()
    {
        var c = await sandboxes.StartAsync();
        var ticker = await Sh(c.Runner, "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.1; done");
        var cat = await c.Runner.StartProcessAsync(new ProcessRequest { Cmd = ["cat"] });
        var terminal = await c.Runner.StartProcessAsync(new ProcessRequest { Cmd = ["bash", "--norc", "-i"], Pty = new TerminalSize(90, 20) });
        await c.Runner.WriteStdinAsync(cat.ProcessId, "before\n"u8.ToArray());
        var (before, next) = await ReadUntil(c.Runner, ticker.ProcessId, 0, t => Ticks(t).Count() >= 5);

        await Checkpoint(c);
        var back = await Restore(c);

        var r = back.Runner;
        var listed = await r.ListProcessesAsync();
        foreach (var id in new[] { ticker.ProcessId, cat.ProcessId, terminal.ProcessId })
            Assert.Equal(ProcessState.Running, listed.Single(p => p.ProcessId == id).State);
        // the ticker goes on from exactly where the client stopped reading: no byte twice, none lost
        var (after, _) = await ReadUntil(r, ticker.ProcessId, next, t => Ticks(t).Count() >= 5);
        var all = Ticks(before + after).ToList();
        Assert.Equal(Enumerable.Range(0, all.Count), all);
        // stdin and terminals of processes started before the checkpoint still work
        await r.WriteStdinAsync(cat.ProcessId, "after\n"u8.ToArray());
        await r.CloseStdinAsync(cat.ProcessId);
        Assert.Equal("before\nafter\n", (await OutputOf(r, cat.ProcessId)).Output);
        await r.ResizeAsync(terminal.ProcessId, 77, 11);
        var end = (await r.ListProcessesAsync()).Single(p => p.ProcessId == terminal.ProcessId).OutputEnd;
        await r.WriteStdinAsync(terminal.ProcessId, "stty size\n"u8.ToArray());
        await ReadUntil(r, terminal.ProcessId, end, t => t.Contains("11 77"));
        // the runner's descriptors stay covered in the restored sandbox
        Assert.Equal("covered\n", await Run(r, "ls /proc/1/fd >/dev/null 2>&1 || echo covered"));
        // new processes get ids after the old ones
        var fresh = await Sh(r, "true");
        Assert.True(fresh.ProcessId > terminal.ProcessId);
    }

    [Fact]
    public async Task Each_restore_of_one_checkpoint_gets_its_own_entropy_and_the_hostname_it_is_given()
    {
        var c = await sandboxes.StartAsync();
        // a program that seeded Python's random before the checkpoint is a copy in every fork (as after
        // fork(2)); what is read or seeded after the restore must differ
        var seededBefore = await c.Runner.StartProcessAsync(new ProcessRequest
        {
            Language = "python", Code = "import random, sys\nrandom.random()\nsys.stdin.readline()\nprint(random.random())",
        });
        await Task.Delay(1000);   // the runner forks its spare child while idle: restores share it too
        Assert.True((await c.Runner.DiagnosticsAsync()).Spare);
        await Checkpoint(c);
        var seen = new List<(string Fresh, string Inherited)>();
        foreach (var name in new[] { "fork-a", "fork-b" })
        {
            var fork = await Restore(c, name);
            var r = fork.Runner;
            var py = await r.StartProcessAsync(new ProcessRequest
            {
                Language = "python",
                Code = "import os, random, socket\nprint(os.urandom(16).hex(), open('/dev/urandom', 'rb').read(16).hex(), random.random(), socket.gethostname())",
            });
            var sh = await Run(r, "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'; echo \" $(hostname)\"");
            var fresh = (await OutputOf(r, py.ProcessId)).Output.Trim() + " " + sh.Trim();
            await r.WriteStdinAsync(seededBefore.ProcessId, "\n"u8.ToArray());
            var inherited = (await OutputOf(r, seededBefore.ProcessId)).Output.Trim();
            output.WriteLine($"{name}: {fresh} | seeded before the checkpoint: {inherited}");
            Assert.Equal(2, fresh.Split(' ').Count(w => w == name));
            seen.Add((fresh, inherited));
            await fork.DestroyAsync(keepBundle: true);
        }
        var a = seen[0].Fresh.Split(' ');
        var b = seen[1].Fresh.Split(' ');
        foreach (var i in new[] { 0, 1, 2, 4 }) Assert.NotEqual(a[i], b[i]);
        Assert.Equal(seen[0].Inherited, seen[1].Inherited);
    }
}
