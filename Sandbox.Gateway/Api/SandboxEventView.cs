namespace Sandbox.Gateway.Api;

/// <summary>One line of GET /v1/sandboxes/{id}/events.</summary>
public sealed record SandboxEventView(DateTimeOffset At, string Type, string Detail);
