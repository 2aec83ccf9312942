namespace Sandbox.Client.Internal;

/// <summary>A /v1 answer's envelope as it comes over the wire.</summary>
internal sealed record SandboxList(IReadOnlyList<SandboxInfo> Sandboxes);
