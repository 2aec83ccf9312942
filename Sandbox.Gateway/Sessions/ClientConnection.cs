namespace Sandbox.Gateway.Sessions;

/// <summary>What a client connection tells its session.</summary>
public static class ClientConnection
{
    /// <summary>A frame the client sent, as text (binary frames arrive as <c>null</c>).</summary>
    public sealed record Frame(string? Text);

    /// <summary>The client sent a message over the size limit; the session answers and closes (1009).</summary>
    public sealed record TooBig(int Limit);

    /// <summary>The client connection is gone (closed, failed, or timed out on keepalive).</summary>
    public sealed record Disconnected
    {
        public static readonly Disconnected Instance = new();
    }
}
