namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>The sandboxes a fork made, each with its own id and token.</summary>
public sealed record ForkAnswer(IReadOnlyList<ForkedSandbox> Sandboxes);
