using System.Collections.Immutable;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Gateway.Api;

/// <summary>Forks (API-v1 §5): the source hands out one image of the moment, and each fork is then
/// created like any sandbox (placed on any host with room, under the caller's quotas) from it.</summary>
public sealed partial class SandboxApi
{
    public async Task<ApiResult<IReadOnlyList<ForkedSandbox>>> ForkAsync(Caller caller, string sandboxId, int count, IReadOnlyDictionary<string, string>? labels, CancellationToken ct)
    {
        if (count is < 1 or > SandboxDecider.MaxForks) return new ApiError(ApiErrorKind.Invalid, $"count must be between 1 and {SandboxDecider.MaxForks}.", "count");
        if (LabelRules.Problem(labels) is { } bad) return new ApiError(ApiErrorKind.Invalid, $"labels: {bad}.", "labels");
        if (!SandboxIdentity.IsWellFormed(sandboxId)) return UnknownSandbox(sandboxId);
        var answer = await AskAsync(new ForkSandbox(sandboxId, AccessOf(caller), count), OperationTimeout, ct);
        if (!answer.Ok) return Audited("fork", caller, sandboxId, (ApiResult<IReadOnlyList<ForkedSandbox>>)answer.Error);
        if (answer.Value is not ForkImage image)
            return new ApiError(ApiErrorKind.Internal, $"The sandbox answered {answer.Value.GetType().Name} to a fork unexpectedly.");
        // a fork is a sandbox of its own: the source's settings and labels (with the ones given over them), a lifetime anew
        var merged = image.Settings.Labels.SetItems(labels ?? ImmutableDictionary<string, string>.Empty);
        var settings = image.Settings with { Fork = new ForkOrigin(sandboxId, image.Image), Labels = merged };
        var created = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => CreateWithAsync(caller, settings, ct)));
        if (created.FirstOrDefault(c => !c.Ok) is { Error: { } error })
        {
            // all or nothing: the forks that did start go again
            foreach (var ok in created.Where(c => c.Ok))
                await DeleteAsync(new Caller(caller.KeyFingerprint, caller.KeysConfigured, ok.Value.Token, caller.Remote), ok.Value.Id, CancellationToken.None);
            return Audited("fork", caller, sandboxId, (ApiResult<IReadOnlyList<ForkedSandbox>>)(error with { Detail = $"The fork failed: {error.Detail}" }));
        }
        IReadOnlyList<ForkedSandbox> forks = created.Select(c => new ForkedSandbox(c.Value.Id, c.Value.Token)).ToList();
        return Audited("fork", caller, sandboxId, (ApiResult<IReadOnlyList<ForkedSandbox>>)forks.ToList());
    }
}
