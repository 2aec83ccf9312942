using System.Security.Cryptography;
using System.Text;
using Sandbox.Actors.Runner;
using static Sandbox.Tests.Runner.RunnerTestKit;

namespace Sandbox.Tests.Runner;

/// <summary>Runner protocol v2 against real gVisor sandboxes: many processes, terminals, signals,
/// stdin, output by offset.</summary>
public class RunnerProcessSpec(RunnerSandboxes sandboxes) : IClassFixture<RunnerSandboxes>
{
    [Fact]
    public async Task Fifty_processes_run_at_once_in_one_sandbox_each_with_its_own_output_and_exit_code()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        // each waits for a line on its stdin, so all fifty are running at the same moment
        var started = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Sh(r, $"read go; echo out-{i}-$go; echo err-{i} >&2; exit {i % 7}")));
        Assert.Equal(50, started.Select(s => s.ProcessId).Distinct().Count());
        var running = await r.ListProcessesAsync();
        Assert.Equal(50, running.Count(p => p.State == ProcessState.Running && started.Any(s => s.ProcessId == p.ProcessId)));
        await Task.WhenAll(started.Select(s => r.WriteStdinAsync(s.ProcessId, "now\n"u8.ToArray())));
        var results = await Task.WhenAll(started.Select(s => OutputOf(r, s.ProcessId)));
        for (var i = 0; i < 50; i++)
        {
            Assert.Contains($"out-{i}-now\n", results[i].Output);
            Assert.Contains($"err-{i}\n", results[i].Output);
            Assert.Equal(i % 7, results[i].Exit.ExitCode);
        }
        var listed = (await r.ListProcessesAsync()).Where(p => started.Any(s => s.ProcessId == p.ProcessId)).ToList();
        Assert.All(listed, p => Assert.Equal(ProcessState.Exited, p.State));
        Assert.All(listed, p => Assert.NotNull(p.EndedAt));
    }

    [Fact]
    public async Task A_terminal_shows_its_size_to_stty_and_follows_a_resize()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        var p = await r.StartProcessAsync(new ProcessRequest { Cmd = ["bash", "--norc", "-i"], Pty = new TerminalSize(120, 40) });
        var (_, next) = await ReadUntil(r, p.ProcessId, 0, t => t.Contains('#'));   // the prompt
        await r.WriteStdinAsync(p.ProcessId, "stty size\n"u8.ToArray());
        (_, next) = await ReadUntil(r, p.ProcessId, next, t => t.Contains("40 120"));
        await r.ResizeAsync(p.ProcessId, 100, 30);
        await r.WriteStdinAsync(p.ProcessId, "stty size; tty\n"u8.ToArray());
        var (text, _) = await ReadUntil(r, p.ProcessId, next, t => t.Contains("/dev/pts/"));
        Assert.Contains("30 100", text);
        await r.WriteStdinAsync(p.ProcessId, "exit 3\n"u8.ToArray());
        var (_, exit) = await OutputOf(r, p.ProcessId);
        Assert.Equal(3, exit.ExitCode);
        var info = (await r.ListProcessesAsync()).Single(x => x.ProcessId == p.ProcessId);
        Assert.True(info.Pty);
    }

    [Fact]
    public async Task The_python_repl_and_bash_i_answer_on_a_terminal()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        var py = await r.StartProcessAsync(new ProcessRequest { Cmd = ["python3"], Pty = new TerminalSize(80, 24) });
        var (_, next) = await ReadUntil(r, py.ProcessId, 0, t => t.Contains(">>> "));
        await r.WriteStdinAsync(py.ProcessId, "6*7\n"u8.ToArray());
        // ^D at the next prompt (typed earlier, the terminal may still be in the mode between two lines)
        (_, next) = await ReadUntil(r, py.ProcessId, next, t => t.Contains("42") && t.TrimEnd().EndsWith(">>>", StringComparison.Ordinal));
        await r.CloseStdinAsync(py.ProcessId);   // ^D on a terminal: the REPL leaves
        Assert.Equal(0, (await OutputOf(r, py.ProcessId, next)).Exit.ExitCode);

        var sh = await r.StartProcessAsync(new ProcessRequest { Cmd = ["bash", "-i"], Pty = new TerminalSize(80, 24) });
        (_, next) = await ReadUntil(r, sh.ProcessId, 0, t => t.Contains('#'));
        await r.WriteStdinAsync(sh.ProcessId, "echo $((6*7))-$-\n"u8.ToArray());
        var (text, _) = await ReadUntil(r, sh.ProcessId, next, t => t.Contains("42-"));
        Assert.Contains("i", text[text.IndexOf("42-", StringComparison.Ordinal)..]);   // $- holds i: interactive
        await r.WriteStdinAsync(sh.ProcessId, "exit 4\n"u8.ToArray());
        Assert.Equal(4, (await OutputOf(r, sh.ProcessId)).Exit.ExitCode);
    }

    [Fact]
    public async Task Signals_reach_the_whole_process_group_and_the_exit_names_them()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        foreach (var (signal, name) in new[] { (RunnerSignal.Term, "TERM"), (RunnerSignal.Kill, "KILL"), (RunnerSignal.Int, "INT"), (RunnerSignal.Hup, "HUP") })
        {
            // the shell's child must go too: the signal is for the group
            var p = await Sh(r, "echo started; sleep 300; echo not reached");
            await ReadUntil(r, p.ProcessId, 0, t => t.Contains("started"));
            await r.SignalAsync(p.ProcessId, signal);
            var (_, exit) = await OutputOf(r, p.ProcessId);
            Assert.Equal(name, exit.Signal);
            Assert.Null(exit.ExitCode);
        }
        // no sleep is left running (one that died last may be a zombie for a moment, until the runner reaps it)
        for (var tries = 0; await Run(r, "cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$' || true") != "0\n"; tries++)
        {
            Assert.True(tries < 50, "a signalled process group left a sleep running");
            await Task.Delay(100);
        }
        var done = await Sh(r, "true");
        await OutputOf(r, done.ProcessId);
        var e = await Assert.ThrowsAsync<RunnerProcessException>(() => r.SignalAsync(done.ProcessId, RunnerSignal.Term));
        Assert.Equal(RunnerProcessError.AlreadyExited, e.Kind);
    }

    [Fact]
    public async Task Stdin_reaches_the_program_and_its_end_lets_it_finish()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        var p = await r.StartProcessAsync(new ProcessRequest { Cmd = ["sha256sum"] });
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        await r.WriteStdinAsync(p.ProcessId, data);
        await r.CloseStdinAsync(p.ProcessId);
        var (output, exit) = await OutputOf(r, p.ProcessId);
        Assert.Equal(0, exit.ExitCode);
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(data)), output);
        var closed = await Assert.ThrowsAsync<RunnerProcessException>(() => r.WriteStdinAsync(p.ProcessId, "late"u8.ToArray()));
        Assert.Equal(RunnerProcessError.AlreadyExited, closed.Kind);

        var cat = await r.StartProcessAsync(new ProcessRequest { Cmd = ["cat"] });
        await r.CloseStdinAsync(cat.ProcessId);
        var again = await Assert.ThrowsAnyAsync<RunnerProcessException>(() => r.WriteStdinAsync(cat.ProcessId, "x"u8.ToArray()));
        Assert.True(again.Kind is RunnerProcessError.StdinClosed or RunnerProcessError.AlreadyExited);
    }

    [Fact]
    public async Task Bad_requests_get_typed_errors()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        Assert.Equal(RunnerProcessError.UnknownProcess, (await Assert.ThrowsAsync<RunnerProcessException>(() => r.SignalAsync(99999, RunnerSignal.Kill))).Kind);
        Assert.Equal(RunnerProcessError.NotFound, (await Assert.ThrowsAsync<RunnerProcessException>(() =>
            r.StartProcessAsync(new ProcessRequest { Cmd = ["/no/such/program"] }))).Kind);
        Assert.Equal(RunnerProcessError.NotFound, (await Assert.ThrowsAsync<RunnerProcessException>(() =>
            r.StartProcessAsync(new ProcessRequest { Cmd = ["ls"], Cwd = "/no/such/dir" }))).Kind);
        Assert.Equal(RunnerProcessError.InvalidRequest, (await Assert.ThrowsAsync<RunnerProcessException>(() =>
            r.StartProcessAsync(new ProcessRequest { Language = "cobol", Code = "" }))).Kind);
        var p = await Sh(r, "sleep 60");
        Assert.Equal(RunnerProcessError.NotATerminal, (await Assert.ThrowsAsync<RunnerProcessException>(() => r.ResizeAsync(p.ProcessId, 80, 24))).Kind);
        await Assert.ThrowsAsync<RunnerProcessException>(() => r.ResizeAsync(p.ProcessId, 0, 24));
        await r.SignalAsync(p.ProcessId, RunnerSignal.Kill);
        await OutputOf(r, p.ProcessId);
        // the sandbox goes on serving after every refusal
        Assert.Equal("ok\n", await Run(r, "echo ok"));
    }

    [Fact]
    public async Task Output_offsets_count_every_byte_once_and_a_gap_says_what_the_keep_limit_dropped()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        // 2000 numbered lines of 6 bytes ("00001\n"): 12000 bytes, of which 4000 are kept
        var p = await Sh(r, "for i in $(seq 1 2000); do printf '%05d\\n' $i; done", keep: 4000);
        var (_, exit) = await OutputOf(r, p.ProcessId, 11_000);
        Assert.Equal(12_000, exit.Offset);
        var records = new List<OutputRecord>();
        await foreach (var rec in r.ReadOutputAsync(p.ProcessId, 0, follow: false)) records.Add(rec);
        var gap = Assert.IsType<OutputGap>(records[0]);
        Assert.Equal(0, gap.Offset);
        var chunks = records.OfType<OutputChunk>().ToList();
        Assert.Equal(gap.DroppedBytes, chunks[0].Offset);
        Assert.True(gap.DroppedBytes >= 8000, $"dropped {gap.DroppedBytes}");
        for (var i = 1; i < chunks.Count; i++) Assert.Equal(chunks[i - 1].End, chunks[i].Offset);
        Assert.Equal(12_000, chunks[^1].End);
        var text = string.Concat(chunks.Select(x => Encoding.UTF8.GetString(x.Bytes)));
        Assert.EndsWith("01999\n02000\n", text);
        // resuming from the end of any chunk gives every later byte exactly once
        var middle = chunks[chunks.Count / 2];
        var (rest, _) = await OutputOf(r, p.ProcessId, middle.End);
        Assert.Equal(text[(int)(middle.End - chunks[0].Offset)..], rest);
    }

    [Fact]
    public async Task Chunks_never_split_a_character_so_each_decodes_alone()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        // 4-byte characters written in pieces of 4093 bytes, so every pipe read ends inside one
        var p = await r.StartProcessAsync(new ProcessRequest
        {
            Language = "python",
            Code = "import os\nb = ('\\U0001F600' * 50000).encode()\nfor i in range(0, len(b), 4093): os.write(1, b[i:i+4093])",
        });
        var total = 0;
        await foreach (var rec in r.ReadOutputAsync(p.ProcessId, 0, follow: true))
        {
            if (rec is not OutputChunk chunk) continue;
            var s = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(chunk.Bytes);
            Assert.All(s, ch => Assert.True(char.IsSurrogate(ch)));
            total += chunk.Bytes.Length;
        }
        Assert.Equal(200_000, total);
    }

    [Fact]
    public async Task A_20_MB_writer_passes_whole_through_a_block_process_and_through_a_keep_reader()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        const string code = "import sys\nline = 'x' * 99 + '\\n'\nfor i in range(200000): sys.stdout.write(line)\nsys.stdout.flush()";
        // block: the host takes output as it acknowledges it
        var window = 256 * 1024;
        var started = await r.StartProcessAsync(new ProcessRequest { Policy = OutputPolicy.Block, Language = "python", Code = code, Credit = window, CloseStdin = true });
        long received = 0;
        ExitStatus? exit = null;
        using var cts = new CancellationTokenSource(Patience);
        await foreach (var e in r.Events.ReadAllAsync(cts.Token))
        {
            if (e is ProcessOutput o && o.ProcessId == started.ProcessId)
            {
                Assert.Equal(received, o.Offset);
                Assert.All(o.Bytes, b => Assert.True(b is (byte)'x' or (byte)'\n'));
                received += o.Bytes.Length;
                r.Acknowledge(o.ProcessId, o.Bytes.Length);
            }
            if (e is ProcessExited x && x.ProcessId == started.ProcessId) { exit = x.Status; break; }
        }
        Assert.Equal(20_000_000, received);
        Assert.Equal(0, exit!.ExitCode);
        Assert.Equal(20_000_000, exit.Offset);
        // keep: a reader that follows gets every byte
        var kept = await r.StartProcessAsync(new ProcessRequest { Language = "python", Code = code, KeepBytes = 32 * 1024 * 1024 });
        long read = 0;
        await foreach (var rec in r.ReadOutputAsync(kept.ProcessId, 0, follow: true, cts.Token))
            if (rec is OutputChunk ch) { Assert.Equal(read, ch.Offset); read += ch.Bytes.Length; }
        Assert.Equal(20_000_000, read);
    }

    [Fact]
    public async Task A_timeout_kills_the_process_and_says_so()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        var p = await r.StartProcessAsync(new ProcessRequest { Cmd = ["sleep", "60"], TimeoutSeconds = 0.5 });
        var (_, exit) = await OutputOf(r, p.ProcessId);
        Assert.True(exit.TimedOut);
        Assert.Equal("KILL", exit.Signal);
    }

    [Fact]
    public async Task Env_and_cwd_reach_the_program_over_the_default_environment()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        var p = await r.StartProcessAsync(new ProcessRequest
        {
            Cmd = ["bash", "-c", "echo $GREETING $HOME; pwd"], Cwd = "/tmp", Env = new Dictionary<string, string> { ["GREETING"] = "hello" },
        });
        Assert.Equal("hello /root\n/tmp\n", (await OutputOf(r, p.ProcessId)).Output);
        var py = await r.StartProcessAsync(new ProcessRequest
        {
            Language = "python", Code = "import os; print(os.getcwd(), os.environ['K'])", Cwd = "/etc", Env = new Dictionary<string, string> { ["K"] = "v" },
        });
        Assert.Equal("/etc v\n", (await OutputOf(r, py.ProcessId)).Output);
    }
}
