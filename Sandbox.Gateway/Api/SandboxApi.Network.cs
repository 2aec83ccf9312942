using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Gateway.Api;

/// <summary>Network egress policy of a sandbox (§6): validated here, journaled and applied by the sandbox.</summary>
public sealed partial class SandboxApi
{
    public async Task<ApiResult<NetworkPolicyView>> SetNetworkAsync(Caller caller, string sandboxId, NetworkPolicyView policy, CancellationToken ct)
    {
        var parsed = NetworkPolicyRules.Parse(policy, gateway.Options, "");
        if (!parsed.Ok) return parsed.Error;
        var answer = await AskSandboxAsync(sandboxId, new SetSandboxNetwork(sandboxId, AccessOf(caller), parsed.Value), AskTimeout, ct);
        return Audited("network", caller, sandboxId, answer.Map(s => NetworkPolicyRules.View(s) ?? new NetworkPolicyView(parsed.Value.Egress, parsed.Value.Allow, parsed.Value.Deny)));
    }
}
