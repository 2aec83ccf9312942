namespace Sandbox.Core.Sandboxes;

/// <summary>
/// A sandbox's egress policy as its journal keeps it (API-v1.md §6): the wire name of its egress
/// (<c>none</c>, <c>allow_all</c>, <c>allow_list</c>) and its normalised <c>allow</c> and <c>deny</c>
/// entries. The gateway validates and normalises a policy (<c>Sandbox.Actors.Network.NetworkPolicy.Parse</c>)
/// before it reaches a sandbox; the node turns it back into nftables rules when it attaches a lease.
/// </summary>
public sealed record SandboxNetworkPolicy(string Egress, IReadOnlyList<string> Allow, IReadOnlyList<string> Deny)
{
    public const string NoneEgress = "none";
    public const string AllowAllEgress = "allow_all";

    public static readonly SandboxNetworkPolicy None = new(NoneEgress, [], []);
    public static readonly SandboxNetworkPolicy AllowAll = new(AllowAllEgress, [], []);

    /// <summary>The default of §6: <c>allow_all</c> on a node that gives sandboxes a network, else <c>none</c>.</summary>
    public static SandboxNetworkPolicy DefaultFor(bool networking) => networking ? AllowAll : None;

    public bool IsNone => Egress == NoneEgress;

    /// <summary>How the history names it.</summary>
    public string Describe() =>
        Egress + (Allow.Count > 0 ? $" allow [{string.Join(", ", Allow)}]" : "") + (Deny.Count > 0 ? $" deny [{string.Join(", ", Deny)}]" : "");

    public bool Equals(SandboxNetworkPolicy? o) =>
        o is not null && Egress == o.Egress && (Allow ?? []).SequenceEqual(o.Allow ?? []) && (Deny ?? []).SequenceEqual(o.Deny ?? []);

    public override int GetHashCode() => HashCode.Combine(Egress, Allow?.Count ?? 0, Deny?.Count ?? 0);
}
