using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ModelContextProtocol.Server;

namespace Sandbox.Gateway.Mcp;

/// <summary>
/// The sandboxes an MCP session made, with their tokens: without API keys that is what a session
/// may act on (API-v1.md §7). Kept beside the session's <see cref="McpServer"/> and gone with it.
/// </summary>
public sealed class McpSessionSandboxes
{
    private readonly ConditionalWeakTable<McpServer, ConcurrentDictionary<string, string>> _bySession = new();

    public void Remember(McpServer session, string sandboxId, string token) =>
        _bySession.GetOrCreateValue(session)[sandboxId] = token;

    public string? TokenOf(McpServer session, string sandboxId) =>
        _bySession.TryGetValue(session, out var known) && known.TryGetValue(sandboxId, out var t) ? t : null;

    public void Forget(McpServer session, string sandboxId)
    {
        if (_bySession.TryGetValue(session, out var known)) known.TryRemove(sandboxId, out _);
    }
}
