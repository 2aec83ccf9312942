namespace Sandbox.Client;

/// <summary>The reference protocol reported an error status (e.g. <c>SANDBOX_CREATION_ERROR</c>) with its message.</summary>
public sealed class SandboxSessionException(string status, string message) : SandboxException($"{status}: {message}")
{
    /// <summary>The status string of PROTOCOL.md §3.</summary>
    public string Status { get; } = status;
    /// <summary>The server's message (the <c>error</c> event that followed the status), or the status itself.</summary>
    public string ServerMessage { get; } = message;
}
