using Sandbox.Core.Calls;

namespace Sandbox.Core.Sandboxes;

/// <summary>A call and whoever waits for its answer.</summary>
public sealed record PendingCall(ISandboxCall Call, ClientRef? ReplyTo);
