namespace Sandbox.Gateway.Api;

/// <summary>Network egress policy of a running sandbox (§6).</summary>
public sealed partial class SandboxApi
{
    public Task<ApiResult<NetworkPolicyView>> SetNetworkAsync(Caller caller, string sandboxId, NetworkPolicyView policy, CancellationToken ct) => throw NotYet("Network policy");
}
