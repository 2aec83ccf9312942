using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Tests.Fuzz;

/// <summary>One hostile frame and what PROTOCOL.md says the server answers (§6.1–§6.9): the
/// events up to and including the <c>error</c> event, each matched as a prefix.</summary>
public sealed record FuzzFrame(string Kind, byte[] Payload, WebSocketMessageType Type, string[] Expected)
{
    public override string ToString()
    {
        var shown = Type == WebSocketMessageType.Binary ? Convert.ToHexString(Payload) : Encoding.UTF8.GetString(Payload);
        return $"{Kind}: {(shown.Length > 200 ? shown[..200] + $"… ({Payload.Length} bytes)" : shown)}";
    }
}

/// <summary>Generates session-phase frames that are wrong in every way a client can get them wrong,
/// none of which may end the session or disturb anybody else.</summary>
public static class ProtocolFuzzCases
{
    private const string S = "status:";
    private static readonly string[] Known = ["checkpoint", "snapshot_filesystem", "kill_process", "kill_sandbox", "reconnect"];

    private static readonly Func<Random, FuzzFrame> StdinWithoutExecution = StdinBeforeAnyExecution;

    private static readonly Func<Random, FuzzFrame>[] Generators =
    [
        NotJson, NotAnObject, Binary, UnknownAction, WrongLanguage, MissingOrWrongCode, BadStdin,
        StdinWithoutExecution, BadSnapshotName, DeeplyNested, LoneSurrogate, Large,
    ];

    /// <summary>A random hostile frame. Stdin after a finished execution is silently dropped (the
    /// reference writes it to the finished process), so that case is only drawn before any execution.</summary>
    public static FuzzFrame Next(Random r, bool anExecutionHasRun)
    {
        while (true)
        {
            var g = Generators[r.Next(Generators.Length)];
            if (anExecutionHasRun && g == StdinWithoutExecution) continue;
            return g(r);
        }
    }

    private static FuzzFrame Text(string kind, string text, params string[] expected) =>
        new(kind, Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, expected);

    private static readonly string[] InvalidJson = [S + SandboxStatus.Error, "error:Invalid message"];

    /// <summary>A valid message cut, spliced or sprinkled with junk until it no longer parses.</summary>
    private static FuzzFrame NotJson(Random r)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var valid = JsonSerializer.Serialize(new { language = "python", code = RandomString(r, 20), extra = new[] { 1, 2 } });
            var text = r.Next(4) switch
            {
                0 => valid[..r.Next(1, valid.Length - 1)],
                1 => valid.Insert(r.Next(valid.Length), RandomString(r, r.Next(1, 4), "{}[]\",:\\tfn0")),
                2 => RandomString(r, r.Next(1, 200)),
                _ => "{" + new string('"', r.Next(1, 5)) + RandomString(r, 10),
            };
            if (!Parses(text)) return Text("not-json", text, InvalidJson);
        }
        return Text("not-json", "{", InvalidJson);
    }

    private static FuzzFrame NotAnObject(Random r)
    {
        var text = r.Next(6) switch
        {
            0 => r.Next().ToString(),
            1 => JsonSerializer.Serialize(RandomString(r, 30)),
            2 => "true",
            3 => "null",
            4 => JsonSerializer.Serialize(new object[] { new { action = "kill_sandbox" } }),   // a command inside an array is not one
            _ => "-1.5e300",
        };
        return Text("not-an-object", text, S + SandboxStatus.Error, "error:Invalid message: expected a JSON object");
    }

    private static FuzzFrame Binary(Random r)
    {
        var bytes = new byte[r.Next(0, 2048)];
        r.NextBytes(bytes);
        if (r.Next(2) == 0) bytes = Encoding.UTF8.GetBytes("{\"action\":\"kill_sandbox\"}");   // even a valid command
        return new("binary", bytes, WebSocketMessageType.Binary, [S + SandboxStatus.Error, "error:Invalid message: binary frames are not supported"]);
    }

    private static FuzzFrame UnknownAction(Random r)
    {
        string action;
        do action = r.Next(3) == 0 ? Known[r.Next(Known.Length)].ToUpperInvariant() + " " : RandomString(r, r.Next(0, 30)); while (Known.Contains(action));
        var o = new Dictionary<string, object?> { ["action"] = action, [RandomString(r, 5, "abcxyz")] = RandomValue(r) };
        return Text("unknown-action", JsonSerializer.Serialize(o), S + SandboxStatus.ExecutionUnsupportedLanguageError, "error:Unsupported language: 'None'");
    }

    private static FuzzFrame WrongLanguage(Random r)
    {
        object? language = r.Next(4) switch
        {
            0 => RandomValue(r),
            1 => "Python",
            2 => "",
            _ => RandomString(r, 12),
        };
        if (language is "python" or "bash") language = "ruby";
        var o = new Dictionary<string, object?> { ["language"] = language, ["code"] = r.Next(2) == 0 ? "print(1)" : RandomValue(r) };
        return Text("wrong-language", JsonSerializer.Serialize(o), S + SandboxStatus.ExecutionUnsupportedLanguageError, "error:Unsupported language: '");
    }

    private static FuzzFrame MissingOrWrongCode(Random r)
    {
        var o = new Dictionary<string, object?> { ["language"] = r.Next(2) == 0 ? "python" : "bash" };
        if (r.Next(3) > 0) o["code"] = NonString(r);
        return Text("wrong-code", JsonSerializer.Serialize(o), S + SandboxStatus.ExecutionError, "error:Invalid message format. 'language' and 'code' fields are required.");
    }

    private static FuzzFrame BadStdin(Random r)
    {
        var o = new Dictionary<string, object?> { ["event"] = "stdin" };
        if (r.Next(3) > 0) o["data"] = NonString(r);
        return Text("bad-stdin", JsonSerializer.Serialize(o), S + SandboxStatus.StdinError, "error:Invalid stdin message format. 'data' field is required.");
    }

    private static FuzzFrame StdinBeforeAnyExecution(Random r) =>
        Text("stdin-no-execution", JsonSerializer.Serialize(new { @event = "stdin", data = RandomString(r, 50) }),
            S + SandboxStatus.ExecutionError, "error:No process is running in the sandbox.");

    private static FuzzFrame BadSnapshotName(Random r)
    {
        object? name = r.Next(6) switch
        {
            0 => "../../etc/" + RandomString(r, 5, "abc"),
            1 => "",
            2 => new string('a', 129 + r.Next(1000)),
            3 => "a/b",
            4 => "..",
            _ => NonString(r),
        };
        var o = new Dictionary<string, object?> { ["action"] = "snapshot_filesystem" };
        if (r.Next(5) > 0) o["name"] = name;
        return Text("bad-snapshot-name", JsonSerializer.Serialize(o),
            S + SandboxStatus.FilesystemSnapshotCreating, S + SandboxStatus.FilesystemSnapshotError, "error:Failed to snapshot filesystem");
    }

    /// <summary>Nesting far past what any message needs (the parser's depth limit is 64).</summary>
    private static FuzzFrame DeeplyNested(Random r)
    {
        var depth = r.Next(65, 10_000);   // stays under the message limit
        var text = r.Next(2) == 0
            ? string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)
            : "{\"language\":\"python\",\"code\":" + new string('[', depth) + new string(']', depth) + "}";
        return Text("deeply-nested", text, InvalidJson);
    }

    /// <summary>A lone UTF-16 surrogate escape: valid JSON syntax, but no string can be made of it.</summary>
    private static FuzzFrame LoneSurrogate(Random r)
    {
        var field = new[] { "action", "language", "code", "event", "data", "name" }[r.Next(6)];
        var text = field switch
        {
            "code" => "{\"language\":\"python\",\"code\":\"print(1)\\ud800\"}",
            "data" => "{\"event\":\"stdin\",\"data\":\"\\udfff x\"}",
            "name" => "{\"action\":\"snapshot_filesystem\",\"name\":\"\\ud83d\"}",
            _ => $"{{\"{field}\":\"\\ud800\"}}",
        };
        return Text("lone-surrogate", text, InvalidJson);
    }

    /// <summary>Just under the message limit, with many unknown keys: big is fine, unknown keys are ignored.</summary>
    private static FuzzFrame Large(Random r)
    {
        var sb = new StringBuilder("{");
        while (sb.Length < FuzzServerFixture.MaxMessageBytes - 200) sb.Append($"\"k{sb.Length}\":\"{RandomString(r, 40, "abcdef")}\",");
        sb.Append("\"language\":\"cobol\"}");
        return Text("large", sb.ToString(), S + SandboxStatus.ExecutionUnsupportedLanguageError, "error:Unsupported language: 'cobol'");
    }

    private static object? NonString(Random r) => r.Next(6) switch
    {
        0 => null,
        1 => r.Next(),
        2 => true,
        3 => new[] { "print(1)" },
        4 => new { code = "print(1)" },
        _ => -0.0,
    };

    private static object? RandomValue(Random r) => r.Next(3) == 0 ? RandomString(r, 10) : NonString(r);

    private static string RandomString(Random r, int length, string? alphabet = null)
    {
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
            sb.Append(alphabet is not null ? alphabet[r.Next(alphabet.Length)] : (char)r.Next(0x20, 0x2FF));
        return sb.ToString();
    }

    private static bool Parses(string text)
    {
        try { using var _ = JsonDocument.Parse(text); return true; }
        catch (JsonException) { return false; }
    }
}
