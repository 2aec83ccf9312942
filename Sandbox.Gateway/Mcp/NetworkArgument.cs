using System.ComponentModel;
using Sandbox.Gateway.Api;

namespace Sandbox.Gateway.Mcp;

/// <summary>The network argument of create_sandbox (API-v1.md §6).</summary>
public sealed record NetworkArgument
{
    [Description("none (loopback only), allow_all (everything but private and metadata ranges) or allow_list (only the allow entries).")]
    public string? Egress { get; init; }
    [Description("CIDRs and domain names (wildcards like *.pythonhosted.org) reachable with allow_list.")]
    public string[]? Allow { get; init; }
    [Description("CIDRs and names always refused.")]
    public string[]? Deny { get; init; }

    public NetworkPolicyView ToView() => new(Egress ?? "", Allow, Deny);
}
