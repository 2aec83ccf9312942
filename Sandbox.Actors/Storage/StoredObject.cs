namespace Sandbox.Actors.Storage;

/// <summary>An object that was stored completely: its key, size, SHA-256 (hex) and the store's generation.</summary>
public sealed record StoredObject(string Key, long Size, string Sha256, long Generation);
