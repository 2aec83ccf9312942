using System.Buffers.Binary;
using System.Text.Json;

namespace Sandbox.Actors.Runner;

/// <summary>The runner's payloads, read strictly into typed values (a wrong shape is a violation).</summary>
internal static class RunnerPayloads
{
    public static ExitStatus Exit(ReadOnlyMemory<byte> payload)
    {
        const string what = "an exit";
        var o = RunnerJson.Parse(payload, what);
        var code = RunnerJson.OptionalLong(o, "exit_code", what, -255, 255);
        var signal = RunnerJson.OptionalString(o, "signal", what);
        if ((code is null) == (signal is null))
            throw new RunnerProtocolException("the sandbox runner sent an exit with neither or both of an exit code and a signal");
        if (signal is { Length: > 16 }) throw new RunnerProtocolException("the sandbox runner sent an exit with an implausible signal name");
        return new ExitStatus((int?)code, signal, RunnerJson.Bool(o, "timed_out", what), RunnerJson.Long(o, "offset", what, 0));
    }

    public static FileEntry Entry(JsonElement o, string what) => new(
        RunnerJson.String(o, "name", what, 4096),
        RunnerJson.String(o, "path", what, 8192),
        RunnerJson.String(o, "type", what) switch
        {
            "file" => FileEntryType.File,
            "dir" => FileEntryType.Directory,
            "symlink" => FileEntryType.Symlink,
            "other" => FileEntryType.Other,
            var t => throw new RunnerProtocolException($"the sandbox runner sent {what} of unknown type '{Shorten(t)}'"),
        },
        RunnerJson.Long(o, "size", what, 0),
        (int)RunnerJson.Long(o, "mode", what, 0, 0xFFFF),
        RunnerJson.Time(RunnerJson.Number(o, "mtime", what), what, "mtime"));

    public static FileEntry Entry(ReadOnlyMemory<byte> payload, string what) => Entry(RunnerJson.Parse(payload, what), what);

    public static ProcessInfo Process(JsonElement o)
    {
        const string what = "a process listing";
        var state = RunnerJson.String(o, "state", what) switch
        {
            "running" => ProcessState.Running,
            "exited" => ProcessState.Exited,
            var s => throw new RunnerProtocolException($"the sandbox runner listed a process in an unknown state '{Shorten(s)}'"),
        };
        ExitStatus? exit = null;
        if (state == ProcessState.Exited) exit = Exit(JsonSerializer.SerializeToUtf8Bytes(o));
        return new ProcessInfo(
            (uint)RunnerJson.Long(o, "process_id", what, 1, RunnerFrame.MaxProcessChannel),
            (int)RunnerJson.Long(o, "pid", what, 1, int.MaxValue),
            RunnerJson.String(o, "tag", what, 1024),
            RunnerJson.Strings(o, "cmd", what),
            Policy(RunnerJson.String(o, "policy", what)),
            RunnerJson.Bool(o, "pty", what),
            state,
            exit,
            RunnerJson.Time(RunnerJson.Number(o, "started_at", what), what, "started_at"),
            RunnerJson.OptionalTime(o, "ended_at", what),
            RunnerJson.Long(o, "output_start", what, 0),
            RunnerJson.Long(o, "output_end", what, 0));
    }

    public static OutputPolicy Policy(string value) => value switch
    {
        "block" => OutputPolicy.Block,
        "keep" => OutputPolicy.Keep,
        _ => throw new RunnerProtocolException($"the sandbox runner named an unknown output policy '{Shorten(value)}'"),
    };

    public static OutputStream Stream(byte value) => value switch
    {
        1 => OutputStream.Stdout,
        2 => OutputStream.Stderr,
        3 => OutputStream.Pty,
        _ => throw new RunnerProtocolException($"the sandbox runner sent output of unknown stream {value}"),
    };

    public static uint Credit(ReadOnlySpan<byte> payload) => payload.Length == 4
        ? BinaryPrimitives.ReadUInt32LittleEndian(payload)
        : throw new RunnerProtocolException($"the sandbox runner sent a credit of {payload.Length} bytes instead of 4");

    /// <summary>The kind and detail of an error frame.</summary>
    public static (string Kind, string Detail) Error(ReadOnlyMemory<byte> payload)
    {
        const string what = "an error";
        var o = RunnerJson.Parse(payload, what);
        return (RunnerJson.String(o, "kind", what, 64), RunnerJson.String(o, "detail", what, 16 * 1024));
    }

    public static Exception FileError(string kind, string detail) => new RunnerFileException(kind switch
    {
        "not_found" => RunnerFileError.NotFound,
        "is_directory" => RunnerFileError.IsDirectory,
        "not_directory" => RunnerFileError.NotDirectory,
        "exists" => RunnerFileError.Exists,
        "no_space" => RunnerFileError.NoSpace,
        "permission" => RunnerFileError.Permission,
        "invalid_path" => RunnerFileError.InvalidPath,
        "not_empty" => RunnerFileError.NotEmpty,
        "not_a_file" => RunnerFileError.NotAFile,
        "invalid_request" => RunnerFileError.InvalidRequest,
        "io" => RunnerFileError.Io,
        _ => throw Unknown(kind),
    }, detail);

    public static Exception ProcessError(string kind, string detail) => new RunnerProcessException(kind switch
    {
        "unknown_process" => RunnerProcessError.UnknownProcess,
        "stdin_closed" => RunnerProcessError.StdinClosed,
        "not_a_terminal" => RunnerProcessError.NotATerminal,
        "already_exited" => RunnerProcessError.AlreadyExited,
        "not_found" => RunnerProcessError.NotFound,
        "permission" => RunnerProcessError.Permission,
        "not_directory" => RunnerProcessError.NotDirectory,
        "invalid_request" or "invalid_path" => RunnerProcessError.InvalidRequest,
        "spawn_failed" or "io" => RunnerProcessError.SpawnFailed,
        _ => throw Unknown(kind),
    }, detail);

    public static RunnerProtocolException Unknown(string kind) =>
        new($"the sandbox runner sent an error of unknown kind '{Shorten(kind)}'");

    public static RunnerHello Hello(byte[] payload, string what, bool withRunning)
    {
        var o = RunnerJson.Parse(payload, what);
        var version = (int)RunnerJson.Long(o, "version", what, 0, int.MaxValue);
        if (version != 2) throw new RunnerProtocolException($"the sandbox runner speaks protocol version {version}, not 2");
        var pid = (int)RunnerJson.Long(o, "pid", what, 1, int.MaxValue);
        var running = new List<RunningProcess>();
        if (withRunning)
        {
            foreach (var item in RunnerJson.Array(o, "running", what).EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() != 5
                    || item[0].ValueKind != JsonValueKind.Number || !item[0].TryGetUInt32(out var id)
                    || item[1].ValueKind != JsonValueKind.String
                    || item[2].ValueKind != JsonValueKind.Number || !item[2].TryGetInt64(out var credit)
                    || item[3].ValueKind != JsonValueKind.Number || !item[3].TryGetInt64(out var end)
                    || item[4].ValueKind != JsonValueKind.String || credit < 0 || end < 0)
                    throw new RunnerProtocolException($"the sandbox runner sent {what} with a malformed running process");
                running.Add(new RunningProcess(id, RunnerPayloads.Policy(item[1].GetString()!), credit, end, item[4].GetString()!));
            }
        }
        return new RunnerHello(version, pid, running);
    }

    /// <summary>An answer that carries nothing must still be a JSON object.</summary>
    public static Func<byte[], bool> AnObject(string what) => payload =>
    {
        RunnerJson.Parse(payload, $"the answer to {what}");
        return true;
    };

    public static Exception LifecycleError(string kind, string detail) => kind switch
    {
        "permission" or "io" or "invalid_request" => new InvalidOperationException(detail),
        _ => throw Unknown(kind),
    };

    public static RunnerDiagnostics Diagnostics(byte[] payload)
    {
        const string what = "diagnostics";
        var o = RunnerJson.Parse(payload, what);
        return new RunnerDiagnostics((int)RunnerJson.Long(o, "descriptors", what, 0, 1 << 20), (int)RunnerJson.Long(o, "channels", what, 0, 1 << 30),
            (int)RunnerJson.Long(o, "processes", what, 0, 1 << 30), (int)RunnerJson.Long(o, "running", what, 0, 1 << 30),
            (int)RunnerJson.Long(o, "pending", what, 0, 1 << 30), RunnerJson.Bool(o, "spare", what));
    }

    public static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
