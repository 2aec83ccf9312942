using System.Security.Cryptography;
using System.Text;

namespace Sandbox.Actors.Sandboxes;

public enum SandboxLifecycle { New, Created, Running, Checkpointed, Deleted }

/// <summary>Where a committed checkpoint is and how to recognise it intact.</summary>
public sealed record CheckpointRef(string Key, long Size, string Sha256, long Generation, ExecutionCarryOver? Execution = null);

/// <summary>What the journal says about one sandbox. Pure: changed only by <see cref="Apply"/>.</summary>
public sealed record SandboxState(
    string SandboxId,
    SandboxLifecycle Lifecycle,
    string? TokenSha256,
    SandboxSettings Settings,
    string? Node,
    DateTimeOffset? CreatedAt,
    CheckpointRef? LatestCheckpoint = null,
    string? ContainerKey = null) : ISandboxWireMessage
{
    public static SandboxState Empty(string sandboxId) =>
        new(sandboxId, SandboxLifecycle.New, null, SandboxSettings.Default, null, null);

    public SandboxState Apply(ISandboxEvent e) => e switch
    {
        SandboxCreated c => this with
        {
            Lifecycle = SandboxLifecycle.Created, TokenSha256 = c.TokenSha256, Settings = c.Settings, CreatedAt = c.At,
        },
        SandboxStarted s => this with { Lifecycle = SandboxLifecycle.Running, Node = s.Node, ContainerKey = s.ContainerKey },
        SandboxDeleted => this with { Lifecycle = SandboxLifecycle.Deleted, Node = null, LatestCheckpoint = null },
        CheckpointTaken c => this with
        {
            Lifecycle = SandboxLifecycle.Checkpointed, Node = null, LatestCheckpoint = new CheckpointRef(c.Key, c.Size, c.Sha256, c.Generation, c.Execution),
        },
        SandboxRestored r => this with { Lifecycle = SandboxLifecycle.Running, Node = r.Node },
        _ => this,
    };

    /// <summary>Constant-time comparison of token hashes (no early exit that would leak a prefix).</summary>
    public bool TokenMatches(string tokenSha256) =>
        TokenSha256 is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(TokenSha256), Encoding.ASCII.GetBytes(tokenSha256));
}

/// <summary>Sandbox identities: unguessable ids and tokens, and the token hash we keep instead of the token.</summary>
public static class SandboxIdentity
{
    public const string IdPrefix = "sandbox-";

    /// <summary><c>sandbox-</c> followed by 24 lowercase hex digits: 96 random bits.</summary>
    public static string NewSandboxId() => IdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>32 lowercase hex digits (16 random bytes), as the reference clients expect.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Ids end up in file names and runsc arguments: accept only what we could have issued.</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: > 8 and <= 72 } && id.StartsWith(IdPrefix, StringComparison.Ordinal) &&
        id.AsSpan(IdPrefix.Length).IndexOfAnyExcept("0123456789abcdefghijklmnopqrstuvwxyz-") < 0;
}
