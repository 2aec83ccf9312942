namespace Sandbox.Client.Internal;

/// <summary>A /v1 answer's envelope as it comes over the wire.</summary>
internal sealed record EventList(IReadOnlyList<SandboxEvent> Events);
