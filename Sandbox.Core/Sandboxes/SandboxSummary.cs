using System.Collections.Immutable;

namespace Sandbox.Core.Sandboxes;

/// <summary>
/// What the world may know of a sandbox (never its token): the API's view and the catalog's row.
/// <paramref name="Version"/> counts its journaled events, so a late write of an older summary never
/// overwrites a newer one.
/// </summary>
public sealed record SandboxSummary(
    string SandboxId,
    string State,
    string? Owner,
    ImmutableSortedDictionary<string, string> Labels,
    string? Node,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastActivityAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? EndedAt,
    string? EndedReason,
    string? EndedDetail,
    double? IdleTimeoutSeconds,
    IdleAction OnIdle,
    bool EnableCheckpoint,
    long Version) : ISandboxWireMessage
{
    public static SandboxSummary Of(SandboxState s) => new(
        s.SandboxId, s.StateName, s.Owner, s.Settings.Labels, s.Lifecycle == SandboxLifecycle.Running ? s.Node : null, s.CreatedAt,
        s.LastActivity == default ? s.CreatedAt : s.LastActivity, s.ExpiresAt, s.EndedAt, s.EndedReason?.ToApiName(), s.EndedDetail,
        s.Settings.IdleTimeoutSeconds, s.Settings.OnIdle, s.Settings.EnableCheckpoint, s.JournalVersion)
    {
        Network = s.Settings.Network,
        NetworkBytesSent = s.NetworkBytesBefore.Sent, NetworkBytesReceived = s.NetworkBytesBefore.Received,
    };

    /// <summary>Its egress policy (null in journals older than networking: the node's default).</summary>
    public SandboxNetworkPolicy? Network { get; init; }
    /// <summary>Bytes it sent and received beyond its node over all its runs: those before its latest
    /// checkpoint, plus what its node adds from the current run's lease when it answers a description.</summary>
    public long? NetworkBytesSent { get; init; }
    public long? NetworkBytesReceived { get; init; }

    public bool Equals(SandboxSummary? o) =>
        o is not null && SandboxId == o.SandboxId && State == o.State && Owner == o.Owner && Node == o.Node && CreatedAt == o.CreatedAt &&
        LastActivityAt == o.LastActivityAt && ExpiresAt == o.ExpiresAt && EndedAt == o.EndedAt && EndedReason == o.EndedReason &&
        EndedDetail == o.EndedDetail && IdleTimeoutSeconds == o.IdleTimeoutSeconds && OnIdle == o.OnIdle &&
        EnableCheckpoint == o.EnableCheckpoint && Version == o.Version && Labels.SequenceEqual(o.Labels) && Equals(Network, o.Network) &&
        NetworkBytesSent == o.NetworkBytesSent && NetworkBytesReceived == o.NetworkBytesReceived;

    public override int GetHashCode() => HashCode.Combine(SandboxId, State, Version);
}
