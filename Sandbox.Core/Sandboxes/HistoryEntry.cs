namespace Sandbox.Core.Sandboxes;

/// <summary>One line of a sandbox's history (API-v1.md §2 <c>GET …/events</c>), derived from a journaled event.</summary>
/// <param name="Type">snake_case: created, started, checkpointed, paused, resumed, restored, container_lost, ttl_changed, network_policy_changed, ended.</param>
public sealed record HistoryEntry(DateTimeOffset At, string Type, string Detail);
