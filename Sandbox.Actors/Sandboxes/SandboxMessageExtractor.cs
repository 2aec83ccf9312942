using Akka.Cluster.Sharding;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// Routes <see cref="IWithSandboxId"/> messages to their sandbox's entity. The shard count must
/// never change while a journal or cluster exists (it decides where recovered sandboxes live).
/// </summary>
public sealed class SandboxMessageExtractor() : HashCodeMessageExtractor(MaxShards)
{
    public const int MaxShards = 200;

    public override string? EntityId(object message) => (message as IWithSandboxId)?.SandboxId;
}
