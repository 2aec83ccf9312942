using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using ModelContextProtocol.Server;

namespace Sandbox.Gateway.Mcp;

/// <summary>
/// The sandboxes an MCP session made, with their tokens: without API keys that is what a session
/// may act on (API-v1.md §7). Keyed by the session's id — the server object a tool is handed is a
/// per-request wrapper, never the same twice — and forgotten once the session has been quiet for
/// longer than MCP keeps an idle session (at most <see cref="MaxSessions"/> sessions are kept).
/// </summary>
public sealed class McpSessionSandboxes : IDisposable
{
    private const int MaxSessions = 100_000;
    private static readonly TimeSpan Quiet = TimeSpan.FromHours(2);
    private readonly MemoryCache _bySession = new(new MemoryCacheOptions { SizeLimit = MaxSessions });

    public void Remember(McpServer session, string sandboxId, string token)
    {
        if (session.SessionId is not { } id) return;   // a session without an id cannot be recognised on its next request
        var known = _bySession.GetOrCreate(id, e =>
        {
            e.SlidingExpiration = Quiet;
            e.Size = 1;
            return new ConcurrentDictionary<string, string>();
        })!;
        known[sandboxId] = token;
    }

    public string? TokenOf(McpServer session, string sandboxId) =>
        session.SessionId is { } id && _bySession.TryGetValue(id, out ConcurrentDictionary<string, string>? known) && known!.TryGetValue(sandboxId, out var t) ? t : null;

    public void Forget(McpServer session, string sandboxId)
    {
        if (session.SessionId is { } id && _bySession.TryGetValue(id, out ConcurrentDictionary<string, string>? known)) known!.TryRemove(sandboxId, out _);
    }

    public void Dispose() => _bySession.Dispose();
}
