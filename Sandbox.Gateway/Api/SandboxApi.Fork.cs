namespace Sandbox.Gateway.Api;

/// <summary>Forks: copies of a running sandbox, memory and files, each a sandbox of its own (§7).</summary>
public sealed partial class SandboxApi
{
    public Task<ApiResult<IReadOnlyList<ForkedSandbox>>> ForkAsync(Caller caller, string sandboxId, int count, IReadOnlyDictionary<string, string>? labels, CancellationToken ct) => throw NotYet("Fork");
}
