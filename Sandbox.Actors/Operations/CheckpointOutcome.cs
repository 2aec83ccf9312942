using Sandbox.Actors.Runsc;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Operations;

/// <summary>What a checkpoint came to: stored, or failed with the container still running (perhaps
/// restored on the spot into <paramref name="Container"/>) or gone.</summary>
public sealed record CheckpointOutcome(StoredCheckpoint? Stored, string? Failure, bool StillRunning, SandboxContainer? Container);
