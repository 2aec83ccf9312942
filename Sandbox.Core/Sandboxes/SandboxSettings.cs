using System.Collections.Immutable;

namespace Sandbox.Core.Sandboxes;

/// <summary>What a client asked for when it created the sandbox: the reference's init message
/// (PROTOCOL.md §4.2), and API v1's lifetimes and labels (API-v1.md §2; absent in older journals).</summary>
/// <param name="DeleteOnDetach">One-shot sandboxes (HTTP /execute) end when their session ends and are never journaled.</param>
public sealed record SandboxSettings(
    double? IdleTimeoutSeconds,
    bool EnableCheckpoint,
    bool AutoCheckpointOnIdle,
    bool EnableHandoff,
    string? FilesystemSnapshotName,
    bool DeleteOnDetach)
{
    public static readonly SandboxSettings Default = new(300, false, false, false, null, false);

    /// <summary>Labels to find it by (at most 32, see <see cref="LabelRules"/>).</summary>
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>Absolute lifetime from creation, separate from the idle timeout; null: none.</summary>
    public double? TtlSeconds { get; init; }
    /// <summary>Whether time spent paused counts toward the TTL.</summary>
    public bool TtlCountsPaused { get; init; }
    /// <summary>What the idle timeout does: kill (the reference) or pause (needs checkpoints).</summary>
    public IdleAction OnIdle { get; init; } = IdleAction.Kill;
    /// <summary>Its egress policy (API-v1 §6), changed later by <see cref="SandboxEvents.NetworkPolicyChanged"/>;
    /// null until the node that creates it fills in its default (and in journals older than networking).</summary>
    public SandboxNetworkPolicy? Network { get; init; }

    /// <summary>Set for a fork: what it starts from (API-v1 §5).</summary>
    public ForkOrigin? Fork { get; init; }

    /// <summary>Pause rather than kill at the idle timeout (API v1 <c>on_idle: pause</c> or the reference's auto-checkpoint).</summary>
    public bool PausesWhenIdle => OnIdle == IdleAction.Pause || AutoCheckpointOnIdle;

    public bool Equals(SandboxSettings? other) =>
        other is not null && IdleTimeoutSeconds == other.IdleTimeoutSeconds && EnableCheckpoint == other.EnableCheckpoint &&
        AutoCheckpointOnIdle == other.AutoCheckpointOnIdle && EnableHandoff == other.EnableHandoff &&
        FilesystemSnapshotName == other.FilesystemSnapshotName && DeleteOnDetach == other.DeleteOnDetach &&
        TtlSeconds == other.TtlSeconds && TtlCountsPaused == other.TtlCountsPaused && OnIdle == other.OnIdle && Equals(Network, other.Network) &&
        Equals(Fork, other.Fork) &&
        Labels.Count == other.Labels.Count && Labels.All(kv => other.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public override int GetHashCode() => HashCode.Combine(IdleTimeoutSeconds, EnableCheckpoint, FilesystemSnapshotName, TtlSeconds, Labels.Count);
}
