using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace Sandbox.Actors.Runner;

/// <summary>
/// How the resident runner gets into a new sandbox. PID 1 is <c>python3 -c</c> <see cref="Bootstrap"/>,
/// a few lines that read <see cref="Preamble"/> from stdin before the protocol starts: the runner
/// already compiled to bytecode, its source, and the interpreter's cache tag the bytecode was made
/// for. Compiling the 77 KB source took about 40 ms of CPU in every sandbox start (about 80 ms of the
/// whole start's CPU here under ptrace); loading bytecode takes under 1 ms. The bytecode is made once
/// per node by the host's own <c>python3</c>. A sandbox whose interpreter has another cache tag (or a
/// node without <c>python3</c>) compiles the source, exactly as before. Nothing of the host is mounted
/// into the sandbox for this, and the runner's code is as public as it was in its command line.
/// </summary>
public static class RunnerProgram
{
    /// <summary>PID 1's program: reads tag, bytecode and source (each length-prefixed) and runs the runner.</summary>
    public const string Bootstrap = """
        import os, sys
        def _take(n):
            b = b""
            while len(b) < n:
                x = os.read(0, n - len(b))
                if not x:
                    os._exit(70)
                b += x
            return b
        _tag = _take(_take(1)[0]).decode()
        _code = _take(int.from_bytes(_take(4), "big"))
        _src = _take(int.from_bytes(_take(4), "big"))
        if _code and _tag == sys.implementation.cache_tag:
            import marshal
            _prog = marshal.loads(_code)
        else:
            _prog = compile(_src, "<string>", "exec")
        del _take, _tag, _code, _src
        exec(_prog)
        """;

    /// <summary>The runner's source, as embedded in this assembly.</summary>
    public static string Source => SourceText.Value;

    /// <summary>What the host writes to a fresh runner's stdin before anything else.</summary>
    public static ReadOnlyMemory<byte> Preamble => PreambleBytes.Value;

    /// <summary>Whether the host could compile the runner (false: every sandbox compiles the source).</summary>
    public static bool Precompiled => Compiled.Value.Code.Length > 0;

    private static readonly Lazy<string> SourceText = new(() =>
    {
        using var s = typeof(RunnerProgram).Assembly.GetManifestResourceStream("sandbox_runner.py")
                      ?? throw new InvalidOperationException("the resident runner is not embedded in Sandbox.Actors");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    });

    private static readonly Lazy<(string Tag, byte[] Code)> Compiled = new(CompileOnHost);

    private static readonly Lazy<byte[]> PreambleBytes = new(() => BuildPreamble(Compiled.Value.Tag, Compiled.Value.Code, Source));

    /// <summary>The cache tag the bytecode was made for (empty: none was made).</summary>
    public static string CacheTag => Compiled.Value.Tag;

    /// <summary>Tag (one length byte), bytecode and source (four big-endian length bytes each).</summary>
    internal static byte[] BuildPreamble(string tag, byte[] code, string sourceText)
    {
        var tagBytes = Encoding.ASCII.GetBytes(tag);
        var source = Encoding.UTF8.GetBytes(sourceText);
        var preamble = new byte[1 + tagBytes.Length + 4 + code.Length + 4 + source.Length];
        var at = 0;
        preamble[at++] = (byte)tagBytes.Length;
        tagBytes.CopyTo(preamble, at);
        at += tagBytes.Length;
        BinaryPrimitives.WriteUInt32BigEndian(preamble.AsSpan(at), (uint)code.Length);
        code.CopyTo(preamble, at += 4);
        at += code.Length;
        BinaryPrimitives.WriteUInt32BigEndian(preamble.AsSpan(at), (uint)source.Length);
        source.CopyTo(preamble, at + 4);
        return preamble;
    }

    /// <summary>The system's interpreter first: a python3 earlier on PATH (a version manager's shim)
    /// may be another version, which only costs the precompiling, never correctness.</summary>
    private static readonly string[] Interpreters = ["/usr/bin/python3", "python3"];

    /// <summary>Prints the cache tag, a newline and the marshalled code of the source read from stdin.</summary>
    private const string CompileScript =
        "import marshal, sys\n" +
        "code = compile(sys.stdin.buffer.read().decode(), '<string>', 'exec')\n" +
        "sys.stdout.buffer.write(sys.implementation.cache_tag.encode() + b'\\n' + marshal.dumps(code))\n";

    private static (string, byte[]) CompileOnHost()
    {
        foreach (var interpreter in Interpreters)
        {
            if (TryCompile(interpreter) is { } compiled) return compiled;
        }
        return ("", []);
    }

    private static (string, byte[])? TryCompile(string interpreter)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(interpreter)
            {
                ArgumentList = { "-I", "-c", CompileScript },
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (p is null) return null;
            var output = new MemoryStream();
            var reading = p.StandardOutput.BaseStream.CopyToAsync(output);
            _ = p.StandardError.ReadToEndAsync();
            p.StandardInput.BaseStream.Write(Encoding.UTF8.GetBytes(Source));
            p.StandardInput.Close();
            if (!p.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                try { p.Kill(entireProcessTree: true); } catch { /* gone */ }
                return null;
            }
            if (!reading.Wait(TimeSpan.FromSeconds(5)) || p.ExitCode != 0) return null;
            var bytes = output.ToArray();
            var newline = Array.IndexOf(bytes, (byte)'\n');
            // a cache tag is short ASCII such as "cpython-311"; anything else is not a compiler's answer
            if (newline is <= 0 or > 64 || newline == bytes.Length - 1) return null;
            return (Encoding.ASCII.GetString(bytes, 0, newline), bytes[(newline + 1)..]);
        }
        catch (Exception)
        {
            return null;   // no such interpreter: the next one, or the source
        }
    }
}
