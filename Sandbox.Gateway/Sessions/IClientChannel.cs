namespace Sandbox.Gateway.Sessions;

/// <summary>Where a session's messages go: a WebSocket, or an HTTP response.</summary>
public interface IClientChannel
{
    Task SendAsync(ServerMessage message, CancellationToken ct);

    /// <summary>The channel's own flow control: answers queued and frames read but not yet handled, which
    /// its reader pauses on. Null for a channel whose client sends nothing after the start (HTTP /execute).</summary>
    OutboundBacklog? Backlog { get; }
}
