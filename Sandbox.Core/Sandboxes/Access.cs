namespace Sandbox.Core.Sandboxes;

/// <summary>
/// What an API caller presents for a sandbox (API-v1.md §1): the fingerprint of its API key (null
/// without one) and the SHA-256 of a sandbox token (null without one); <paramref name="KeysConfigured"/>
/// says whether the server has API keys at all.
/// </summary>
public sealed record Access(string? Key, string? TokenSha256, bool KeysConfigured)
{
    /// <summary>The sandbox's creator, or a caller with its token, may act on it. Anyone else is told it
    /// does not exist when keys are configured (ids cannot be probed), and is refused without keys.</summary>
    public SandboxProtocol.ApiRefusal? Check(SandboxState s)
    {
        if (s.Lifecycle == SandboxLifecycle.New) return SandboxProtocol.ApiRefusal.NotFound;
        if (Key is not null && s.Owner == Key) return null;
        if (TokenSha256 is not null && s.TokenMatches(TokenSha256)) return null;
        return KeysConfigured ? SandboxProtocol.ApiRefusal.NotFound : SandboxProtocol.ApiRefusal.Forbidden;
    }
}
