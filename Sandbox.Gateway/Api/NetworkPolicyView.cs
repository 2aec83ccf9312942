namespace Sandbox.Gateway.Api;

/// <summary>A sandbox's egress policy (API-v1.md §6), and on GET its traffic so far.</summary>
/// <param name="Egress"><c>none</c>, <c>allow_all</c> or <c>allow_list</c>.</param>
/// <param name="Allow">CIDRs and domain names (wildcards match one or more labels) for <c>allow_list</c>.</param>
/// <param name="Deny">CIDRs and names always refused, whatever <paramref name="Allow"/> says.</param>
public sealed record NetworkPolicyView(string Egress, IReadOnlyList<string>? Allow = null, IReadOnlyList<string>? Deny = null)
{
    public long? BytesSent { get; init; }
    public long? BytesReceived { get; init; }
}
