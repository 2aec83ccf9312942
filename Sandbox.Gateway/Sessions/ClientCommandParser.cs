using System.Text.Json;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Gateway.Sessions;

/// <summary>
/// Turns a client's session-phase frame into a sandbox command, or into the error the protocol
/// prescribes (§6.1 dispatch order, §6.2–§6.9). Malformed input never ends the session.
/// </summary>
public static class ClientCommandParser
{
    public static readonly string[] Languages = ["python", "bash"];
    public const string SupportedLanguages = "python, bash";

    public abstract record Parsed;
    public sealed record Command(IWithSandboxId Message) : Parsed;
    public sealed record Rejected(string Status, string Message) : Parsed;

    public static Parsed Parse(string sandboxId, string? text)
    {
        if (text is null) return new Rejected(SandboxStatus.Error, "Invalid message: binary frames are not supported; send JSON text frames.");
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(text);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return new Rejected(SandboxStatus.Error, $"Invalid message: not valid JSON ({e.Message})");
        }
        if (root.ValueKind != JsonValueKind.Object)
            return new Rejected(SandboxStatus.Error, $"Invalid message: expected a JSON object, got {root.ValueKind.ToString().ToLowerInvariant()}");
        try
        {
            return Classify(sandboxId, root);
        }
        catch (InvalidOperationException e)
        {
            // well-formed JSON that still holds no usable string, e.g. a lone surrogate escape ("\ud800")
            return new Rejected(SandboxStatus.Error, $"Invalid message: {e.Message}");
        }
    }

    private static Parsed Classify(string sandboxId, JsonElement root)
    {
        var action = StringField(root, "action");
        switch (action)
        {
            case "checkpoint": return new Command(new CheckpointSandbox(sandboxId));
            case "snapshot_filesystem": return new Command(new SnapshotFilesystem(sandboxId, StringField(root, "name")));
            case "kill_process": return new Command(new KillProcess(sandboxId));
            case "kill_sandbox": return new Command(new KillSandbox(sandboxId));
        }
        if (StringField(root, "event") == "stdin")
        {
            return StringField(root, "data") is { } data
                ? new Command(new WriteStdin(sandboxId, data))
                : new Rejected(SandboxStatus.StdinError, "Invalid stdin message format. 'data' field is required.");
        }
        if (action == "reconnect") return new Command(new Reconnect(sandboxId));

        // anything else is an execute request (§6.1), unknown actions included
        var language = root.TryGetProperty("language", out var l) ? l : default;
        var lang = language.ValueKind == JsonValueKind.String ? language.GetString() : null;
        if (lang is null || !Languages.Contains(lang))
        {
            var shown = language.ValueKind switch
            {
                JsonValueKind.Undefined or JsonValueKind.Null => "None",
                JsonValueKind.String => lang,
                _ => language.GetRawText(),
            };
            return new Rejected(SandboxStatus.ExecutionUnsupportedLanguageError,
                $"Unsupported language: '{shown}'. Supported languages are: {SupportedLanguages}");
        }
        if (StringField(root, "code") is not { } code)
            return new Rejected(SandboxStatus.ExecutionError,
                $"Invalid message format. 'language' and 'code' fields are required. Supported languages are: {SupportedLanguages}");
        return new Command(new ExecuteCode(sandboxId, lang, code, CloseStdin: false));
    }

    private static string? StringField(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
