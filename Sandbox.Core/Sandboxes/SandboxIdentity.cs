using System.Security.Cryptography;
using System.Text;

namespace Sandbox.Core.Sandboxes;

/// <summary>Sandbox identities: unguessable ids and tokens, and the token hash we keep instead of the token.</summary>
public static class SandboxIdentity
{
    public const string IdPrefix = "sandbox-";

    /// <summary><c>sandbox-</c> followed by 24 lowercase hex digits: 96 random bits.</summary>
    public static string NewSandboxId() => IdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>32 lowercase hex digits (16 random bytes), as the reference clients expect.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Constant-time comparison of two token hashes (no early exit that would leak a prefix).</summary>
    public static bool HashesMatch(string? expected, string actual) =>
        expected is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(actual));

    /// <summary>Ids end up in file names and runsc arguments: accept only what we could have issued.</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: > 8 and <= 72 } && id.StartsWith(IdPrefix, StringComparison.Ordinal) &&
        id.AsSpan(IdPrefix.Length).IndexOfAnyExcept("0123456789abcdefghijklmnopqrstuvwxyz-") < 0;
}
