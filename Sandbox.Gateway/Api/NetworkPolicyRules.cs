using Sandbox.Actors.Network;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Gateway.Api;

/// <summary>
/// A policy as a client sends it (at create and on PUT …/network), validated and normalised by
/// <see cref="NetworkPolicy.Parse"/> into what the sandbox journals: a bad entry is a 422 naming the
/// entry and its field, a policy other than <c>none</c> on a server without networking a 409.
/// </summary>
public static class NetworkPolicyRules
{
    /// <param name="field">where the policy sits in the request (<c>network</c> at create, empty on PUT)</param>
    public static ApiResult<SandboxNetworkPolicy> Parse(NetworkPolicyView view, GatewayOptions options, string field)
    {
        var prefix = field.Length > 0 ? field + "." : "";
        NetworkPolicy policy;
        try
        {
            policy = NetworkPolicy.Parse(view.Egress, view.Allow, view.Deny);
        }
        catch (NetworkPolicyException e)
        {
            return new ApiError(ApiErrorKind.Invalid, e.Message.TrimEnd('.') + ".", prefix + e.Field);
        }
        var wire = new SandboxNetworkPolicy(policy.Egress.ToWire(), policy.Allow, policy.Deny);
        if (!options.NetworkingEnabled && !wire.IsNone)
            return new ApiError(ApiErrorKind.Conflict, SandboxDecider.NetworkingOffDetail(wire), prefix + "egress");
        return wire;
    }

    /// <summary>The API's view of a sandbox's policy, with the bytes its node counted (0 without a lease).</summary>
    public static NetworkPolicyView? View(SandboxSummary s) => s.Network is { } p
        ? new NetworkPolicyView(p.Egress, p.Allow, p.Deny) { BytesSent = s.NetworkBytesSent ?? 0, BytesReceived = s.NetworkBytesReceived ?? 0 }
        : null;
}
