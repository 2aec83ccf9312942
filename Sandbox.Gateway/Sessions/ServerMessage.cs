using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sandbox.Gateway.Sessions;

/// <summary>One thing to send to a client, in order. Rendering depends on the channel (JSON frames
/// for WebSocket, raw output for HTTP /execute).</summary>
public abstract record ServerMessage
{
    public sealed record Status(string Value) : ServerMessage;
    /// <param name="Shortage">Set when the error is a capacity refusal of a create (HTTP /execute answers it
    /// with its own status); the WebSocket protocol carries only the message.</param>
    public sealed record Error(string Message, CapacityShortage? Shortage = null, TimeSpan? RetryAfter = null) : ServerMessage;
    public sealed record SandboxId(string Id, string Token) : ServerMessage;
    public sealed record Output(bool Stderr, string Data) : ServerMessage;
    public sealed record Close(int Code) : ServerMessage;

    /// <summary>The JSON object of PROTOCOL.md §2.1 (never for Close).</summary>
    public string ToJson() => (this switch
    {
        Status s => new JsonObject { ["event"] = "status_update", ["status"] = s.Value },
        Error e => new JsonObject { ["event"] = "error", ["message"] = e.Message },
        SandboxId i => new JsonObject { ["event"] = "sandbox_id", ["sandbox_id"] = i.Id, ["sandbox_token"] = i.Token },
        Output o => new JsonObject { ["event"] = o.Stderr ? "stderr" : "stdout", ["data"] = o.Data },
        _ => throw new InvalidOperationException("a close is not a JSON message"),
    }).ToJsonString(JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
