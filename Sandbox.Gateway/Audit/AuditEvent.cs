namespace Sandbox.Gateway.Audit;

/// <summary>
/// One security-relevant action (issue 18 item 5): who (the short fingerprint of the API key, never the
/// key; the remote address), what (create, attach, kill, delete, checkpoint, pause, resume, fork,
/// network, ttl, operator actions, refused authentication), on which sandbox, where (the node that
/// decided), and how it ended (ok, refused, failed) with a detail.
/// </summary>
public sealed record AuditEvent(string Action, string Outcome, string? Key, string? Sandbox, string? Remote, string? Detail = null);
