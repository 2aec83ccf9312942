using Sandbox.Core.Sandboxes;

namespace Sandbox.Gateway.Sessions;

/// <summary>What a session was opened for, and by whom: <c>Owner</c>/<c>Caller</c> is the fingerprint of
/// the client's API key (null without keys), which owns what it creates and sees only what it owns.</summary>
public abstract record SessionMode
{
    /// <summary>/create: waits for the init message.</summary>
    public sealed record Create(string? Owner = null) : SessionMode;
    /// <summary>/attach/{id}?sandbox_token=…</summary>
    public sealed record Attach(string SandboxId, string Token, string? Caller = null) : SessionMode;
    /// <summary>HTTP /execute: a one-shot sandbox deleted when the session ends.</summary>
    public sealed record Execute(string Language, string Code, string? Owner = null) : SessionMode;
    /// <summary>POST /v1/sandboxes (and MCP): creates the sandbox with these settings, reports its id and
    /// token, and lets go of it at once (it runs on with no session until its idle timeout).</summary>
    public sealed record CreateDetached(SandboxSettings Settings, string? Owner) : SessionMode;
}
