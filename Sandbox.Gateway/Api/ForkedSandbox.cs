namespace Sandbox.Gateway.Api;

/// <summary>One sandbox a fork made (POST /v1/sandboxes/{id}/fork).</summary>
public sealed record ForkedSandbox(string SandboxId, string SandboxToken);
