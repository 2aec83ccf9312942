namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// What the fields of the /v1 schemas mean, where the records' own XML comments say nothing: the
/// OpenAPI document takes a field's description from its comment first, from here otherwise, so
/// every field of the document is described.
/// </summary>
public static class V1FieldDocs
{
    private static readonly Dictionary<(string Type, string Field), string> Docs = new()
    {
        [("EventList", "events")] = "The sandbox's history, oldest first.",
        [("FileChangeView", "path")] = "Absolute path of the file or directory that changed.",
        [("FileEntryView", "name")] = "The entry's name within its directory.",
        [("FileEntryView", "path")] = "Absolute path of the entry inside the sandbox.",
        [("FileEntryView", "size")] = "Size in bytes (of the link itself for a symlink).",
        [("FileEntryView", "modified_at")] = "Last modification time (RFC 3339, UTC).",
        [("FileList", "entries")] = "The entries, to the depth asked for.",
        [("ForkAnswer", "sandboxes")] = "The new sandboxes, each with its own id and token.",
        [("ForkedSandbox", "sandbox_id")] = "The new sandbox's id.",
        [("ForkedSandbox", "sandbox_token")] = "Its token (shown only here): X-Sandbox-Token for its routes, sandbox_token for /attach.",
        [("NetworkPolicyView", "bytes_sent")] = "Bytes the sandbox has sent out so far (on GET).",
        [("NetworkPolicyView", "bytes_received")] = "Bytes the sandbox has received so far (on GET).",
        [("ProcessList", "processes")] = "Every process of the sandbox, running and exited.",
        [("ProcessRequest", "cmd")] = "The program and its arguments, e.g. [\"python3\", \"-u\", \"worker.py\"]; or give language and code instead.",
        [("ProcessRequest", "code")] = "The program text to run with language.",
        [("ProcessRequest", "cwd")] = "Working directory inside the sandbox (default /).",
        [("ProcessRequest", "env")] = "Environment variables added for the process.",
        [("ProcessView", "process_id")] = "Stable id of the process (p-…), kept across checkpoint, restore and fork.",
        [("ProcessView", "pid")] = "Its process id inside the sandbox.",
        [("ProcessView", "cmd")] = "What it runs.",
        [("ProcessView", "exit_code")] = "Its exit status, once it has exited on its own.",
        [("ProcessView", "pty")] = "Whether it runs on a terminal.",
        [("ProcessView", "started_at")] = "When it started (RFC 3339, UTC).",
        [("ProcessView", "ended_at")] = "When it ended (RFC 3339, UTC).",
        [("SandboxEventView", "at")] = "When it happened (RFC 3339, UTC).",
        [("SandboxEventView", "type")] = "What happened: created, started, paused, resumed, forked, checkpointed, network_changed, ended, …",
        [("SandboxEventView", "detail")] = "The event in words (the node it resumed on, the forks it made, why it ended).",
        [("SandboxList", "sandboxes")] = "The caller's sandboxes that match (tokens never included).",
        [("SandboxView", "sandbox_id")] = "The sandbox's id (sandbox-…).",
        [("SandboxView", "sandbox_token")] = "Its token, only in the answer to its creation: X-Sandbox-Token for its routes, sandbox_token for /attach.",
        [("SandboxView", "labels")] = "Its labels (key → value).",
        [("SandboxView", "created_at")] = "When it was created (RFC 3339, UTC).",
        [("SandboxView", "expires_at")] = "When its TTL ends it (RFC 3339, UTC); absent without a TTL.",
        [("SandboxView", "network")] = "Its egress policy, with the traffic so far.",
        [("SandboxView", "last_activity_at")] = "The last call or output that counted as activity (the idle timeout runs from here).",
        [("SandboxView", "processes_running")] = "How many of its processes are running.",
        [("SandboxView", "idle_timeout")] = "Seconds without activity before it is killed or paused (on_idle); absent: never.",
        [("SandboxView", "on_idle")] = "kill or pause at the idle timeout.",
        [("SandboxView", "enable_checkpoint")] = "Whether it can be checkpointed, paused, resumed and forked.",
        [("SandboxView", "ended_at")] = "When it ended (RFC 3339, UTC).",
    };

    public static string? Of(string typeName, string field) => Docs.GetValueOrDefault((typeName, field));
}
