using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;
using static Sandbox.Tests.Runner.RunnerTestKit;

namespace Sandbox.Tests.Runner;

/// <summary>
/// The runner's channel as hostile input (issue 18): code in a sandbox, root as it is, cannot reach
/// the runner's descriptors; and a stream that is forged anyway (here by a hostile program in place
/// of the runner) ends only its own sandbox, with the reason, within seconds, while a bystander
/// sandbox runs on undisturbed.
/// </summary>
public class RunnerHostileSpec(RunnerSandboxes sandboxes) : IClassFixture<RunnerSandboxes>
{
    [Fact]
    public async Task Root_code_cannot_open_the_runner_s_descriptors_trace_it_or_escape_into_a_user_namespace_but_writes_anywhere()
    {
        var c = await sandboxes.StartAsync();
        var p = await c.Runner.StartProcessAsync(new ProcessRequest
        {
            Language = "python",
            Code = """
                import ctypes, os, subprocess
                libc = ctypes.CDLL(None, use_errno=True)
                def attempt(name, f):
                    try:
                        f()
                        print("reached", name)
                    except OSError as e:
                        print("denied", name, e.errno)
                for path in ("/proc/1/fd", "/proc/1/task/1/fd", "/proc/1/fdinfo"):
                    attempt("list " + path, lambda: os.listdir(path))
                for path in ("/proc/1/fd/0", "/proc/1/fd/1", "/proc/1/task/1/fd/1", "/proc/self/../1/fd/1"):
                    attempt("open " + path, lambda: os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK)))
                attempt("write random bytes to /proc/1/fd/1", lambda: open("/proc/1/fd/1", "wb").write(os.urandom(4096)))
                def check(r):
                    if r != 0: raise OSError(ctypes.get_errno(), "")
                attempt("ptrace PID 1", lambda: check(libc.ptrace(16, 1, 0, 0)))
                attempt("unmount the cover", lambda: check(libc.umount2(b"/proc/1/fd", 2)))
                attempt("a new user namespace", lambda: check(libc.unshare(0x10000000)))
                attempt("a new mount namespace", lambda: check(libc.unshare(0x20000)))
                attempt("unshare -U -r", lambda: check(subprocess.run(["unshare", "-U", "-r", "true"], capture_output=True).returncode and 1))
                print([l.split()[1] for l in open("/proc/self/status") if l.startswith(("CapEff", "CapBnd"))])
                for path in ("/at-the-root", "/usr/bin/new-tool", "/etc/new.conf"):
                    with open(path, "w") as f: f.write("ok")
                    print("wrote", path)
                """,
        });
        var (text, exit) = await OutputOf(c.Runner, p.ProcessId);
        Assert.Equal(0, exit.ExitCode);
        Assert.DoesNotContain("reached", text);
        Assert.Equal(13, text.Split('\n').Count(l => l.StartsWith("denied ", StringComparison.Ordinal)));
        Assert.Contains("['0000000000000000', '0000000000000000']", text);
        Assert.Contains("wrote /at-the-root", text);
        Assert.Contains("wrote /usr/bin/new-tool", text);
        // the channel is untouched: the sandbox goes on
        Assert.Equal("fine\n", await Run(c.Runner, "echo fine"));
        Assert.False(c.Runner.Ended.IsCompleted);
    }

    /// <summary>A program in place of the runner: it says it is ready, waits for the host's first
    /// frame and answers it with <paramref name="forged"/> (Python bytes), then idles.</summary>
    private static string Hostile(string forged) => $"""
        import json, os, struct, time
        def frame(t, ch, p): return struct.pack("<BII", ord(t), ch, len(p)) + p
        os.write(1, frame("r", 0, json.dumps({"{"}"version": 2, "pid": os.getpid(){"}"}).encode()))
        request = os.read(0, 65536)
        channel = struct.unpack_from("<I", request, 1)[0]
        os.write(1, {forged})
        time.sleep(3600)
        """;

    public static TheoryData<string, string> Forgeries => new()
    {
        { "b'XXXXgarbage'", "the sandbox runner sent a frame of unknown type 'X' (0x58)" },
        { "struct.pack('<BII', ord('k'), channel, 0x80000000)", "claiming 2147483648 bytes" },
        { "frame('k', channel, b'{}')[:10]", "began a frame and did not finish it within 1 s" },
        { "frame('k', channel ^ 1, b'{}')", "which is not open" },
        { "frame('o', 3, b'\\x01' + bytes(8) + b'hi')", "for process 3, which it never started" },
        { "frame('k', channel, b'{\"nope\"')", "not valid JSON" },
        { "os.urandom(64)", "the sandbox runner sent" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_forged_runner_stream_ends_only_its_own_sandbox_with_the_reason_within_seconds(string forged, string reason)
    {
        var bystander = await sandboxes.StartAsync();
        var hostile = await sandboxes.StartAsync(new RunnerConnectionOptions { FrameCompletionTimeout = TimeSpan.FromSeconds(1) }, Hostile(forged));
        var busy = Task.Run(async () =>
        {
            var outputs = new List<string>();
            for (var i = 0; i < 5; i++) outputs.Add(await Run(bystander.Runner, $"echo {i}"));
            return outputs;
        });
        var ping = hostile.Runner.PingAsync();
        var end = await hostile.Runner.Ended.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RunnerEndKind.Violation, end.Kind);
        Assert.Contains(reason, end.Reason);
        var failed = await Assert.ThrowsAnyAsync<Exception>(() => ping.WaitAsync(TimeSpan.FromSeconds(5)));
        if (failed is RunnerUnavailableException u) Assert.Same(end, u.End);
        await hostile.DestroyAsync();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{i}\n"), await busy);
        Assert.False(bystander.Runner.Ended.IsCompleted);
        await bystander.DestroyAsync();
    }
}
