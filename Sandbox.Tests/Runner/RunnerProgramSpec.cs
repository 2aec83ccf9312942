using System.Diagnostics;
using System.Text;
using Sandbox.Actors.Runner;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Runner;

/// <summary>
/// Issue 17: the runner reaches a sandbox as bytecode the host compiled once, so no start spends its
/// CPU compiling the runner's source; a sandbox with another interpreter compiles the source.
/// The bootstrap's choice is checked with the host's own python3 running small stand-in programs
/// (never the runner itself, which masks descriptors and namespaces of whatever runs it).
/// </summary>
public class RunnerProgramSpec
{
    [Fact]
    public void The_runner_is_precompiled_for_the_interpreter_in_the_sandboxes_rootfs()
    {
        Assert.True(RunnerProgram.Precompiled, "the host's python3 did not compile the runner");
        // the rootfs's own bytecode files are named after its interpreter's cache tag
        var tags = Directory.GetFiles(Path.Combine(ServerFixture.RootfsPath, "usr/lib"), "*.pyc", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3 })
            .Select(f => Path.GetFileName(f).Split('.')).Where(parts => parts.Length == 3).Select(parts => parts[1]).Distinct().ToList();
        Assert.Contains(RunnerProgram.CacheTag, tags);
    }

    [Fact]
    public async Task The_bootstrap_runs_the_bytecode_when_its_cache_tag_is_the_interpreters()
    {
        var (tag, code) = await CompileOnHostAsync("print('from bytecode')");
        Assert.Equal("from bytecode", await BootstrapAsync(RunnerProgram.BuildPreamble(tag, code, "print('from source')")));
    }

    [Fact]
    public async Task The_bootstrap_compiles_the_source_when_the_bytecode_is_for_another_interpreter()
    {
        var (_, code) = await CompileOnHostAsync("print('from bytecode')");
        Assert.Equal("from source", await BootstrapAsync(RunnerProgram.BuildPreamble("cpython-299", code, "print('from source')")));
        Assert.Equal("from source", await BootstrapAsync(RunnerProgram.BuildPreamble("", [], "print('from source')")));
    }

    [Fact]
    public async Task The_bootstrap_exits_when_its_input_ends_before_the_program_does()
    {
        var whole = RunnerProgram.BuildPreamble("", [], "print('never')");
        var (exit, output) = await RunBootstrapAsync(whole[..^3]);
        Assert.Equal(70, exit);
        Assert.Equal("", output);
    }

    private static async Task<string> BootstrapAsync(byte[] preamble)
    {
        var (exit, output) = await RunBootstrapAsync(preamble);
        Assert.Equal(0, exit);
        return output;
    }

    private static async Task<(int Exit, string Output)> RunBootstrapAsync(byte[] preamble)
    {
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-I", "-c", RunnerProgram.Bootstrap },
            RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        var output = p.StandardOutput.ReadToEndAsync();
        await p.StandardInput.BaseStream.WriteAsync(preamble);
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, (await output).Trim());
    }

    private static async Task<(string Tag, byte[] Code)> CompileOnHostAsync(string source)
    {
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-I", "-c", $"import marshal, sys\nsys.stdout.buffer.write(sys.implementation.cache_tag.encode() + b'\\n' + marshal.dumps(compile({Quote(source)}, '<string>', 'exec')))" },
            RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        var bytes = new MemoryStream();
        await p.StandardOutput.BaseStream.CopyToAsync(bytes);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        var all = bytes.ToArray();
        var newline = Array.IndexOf(all, (byte)'\n');
        return (Encoding.ASCII.GetString(all, 0, newline), all[(newline + 1)..]);
    }

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
