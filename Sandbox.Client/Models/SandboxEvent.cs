namespace Sandbox.Client;

/// <summary>One entry of a sandbox's history (GET …/events).</summary>
public sealed record SandboxEvent(DateTimeOffset At, string Type, string Detail);
