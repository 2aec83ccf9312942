using System.Net;

namespace Sandbox.Gateway.Api;

/// <summary>
/// Who is calling (API-v1.md §1): the fingerprint of the API key they presented (null when the server
/// has no keys configured), the sandbox token they presented for a sandbox-scoped call, and where
/// they call from (without keys, listing is for loopback callers only).
/// </summary>
public sealed record Caller(string? KeyFingerprint, bool KeysConfigured, string? SandboxToken, IPAddress? Remote)
{
    /// <summary>A caller on this machine with no credentials (tests, the embedded default's operator).</summary>
    public static Caller Local(string? token = null) => new(null, false, token, IPAddress.Loopback);

    public bool IsLoopback => Remote is not null && IPAddress.IsLoopback(Remote.IsIPv4MappedToIPv6 ? Remote.MapToIPv4() : Remote);
}
