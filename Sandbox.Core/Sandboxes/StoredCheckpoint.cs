namespace Sandbox.Core.Sandboxes;

/// <summary>An archive the store accepted: its key, size, SHA-256 and generation.</summary>
public sealed record StoredCheckpoint(string Key, long Size, string Sha256, long Generation);
