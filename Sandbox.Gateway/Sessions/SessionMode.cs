namespace Sandbox.Gateway.Sessions;

/// <summary>What a session was opened for.</summary>
public abstract record SessionMode
{
    /// <summary>/create: waits for the init message.</summary>
    public sealed record Create : SessionMode;
    /// <summary>/attach/{id}?sandbox_token=…</summary>
    public sealed record Attach(string SandboxId, string Token) : SessionMode;
    /// <summary>HTTP /execute: a one-shot sandbox deleted when the session ends.</summary>
    public sealed record Execute(string Language, string Code) : SessionMode;
}
