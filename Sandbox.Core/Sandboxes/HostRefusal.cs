namespace Sandbox.Core.Sandboxes;

/// <summary>Why this host did not admit a new sandbox; <paramref name="Busy"/> when only concurrent starts stood in the way.</summary>
public sealed record HostRefusal(string Reason, bool Busy);
