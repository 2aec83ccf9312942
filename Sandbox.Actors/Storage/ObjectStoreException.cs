namespace Sandbox.Actors.Storage;

/// <summary>The store is unreachable, full or refused the request; the message says why.</summary>
public sealed class ObjectStoreException(string message, Exception? inner = null) : Exception(message, inner);
