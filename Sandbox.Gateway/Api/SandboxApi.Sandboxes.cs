using System.Collections.Immutable;
using Akka.Actor;
using Sandbox.Actors.Catalog;
using Sandbox.Actors.Hosts;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway.Sessions;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Gateway.Api;

/// <summary>Sandboxes (API-v1.md §2) and pause/resume (§5).</summary>
public sealed partial class SandboxApi
{
    public async Task<ApiResult<SandboxView>> CreateAsync(Caller caller, CreateSandboxRequest request, CancellationToken ct)
    {
        var settings = CreateRequestRules.Settings(request, gateway.Options);
        if (!settings.Ok) return settings.Error;
        var created = await CreateWithAsync(caller, settings.Value, ct);
        if (!created.Ok) return created.Error;
        var (id, token) = created.Value;
        var described = await AskSandboxAsync(id, new DescribeSandbox(id, new Access(caller.KeyFingerprint, SandboxIdentity.HashToken(token), caller.KeysConfigured)), AskTimeout, ct);
        return described.Map(s => View(s, token));
    }

    /// <summary>Creates a sandbox of these settings (a new one, or a fork) and says its id and token.</summary>
    private async Task<ApiResult<(string Id, string Token)>> CreateWithAsync(Caller caller, SandboxSettings settings, CancellationToken ct)
    {
        // the same session a WebSocket /create runs (placement, quotas, retries across failover), told to let go once created
        var channel = new ApiCreateChannel();
        var session = gateway.System.ActorOf(SessionActor.PropsFor(gateway, new SessionMode.CreateDetached(settings, caller.KeyFingerprint),
            channel, caller.Remote?.ToString()));
        try
        {
            return await channel.Outcome.WaitAsync(gateway.Options.CreateTimeout + TimeSpan.FromSeconds(10), ct);
        }
        catch (TimeoutException)
        {
            return new ApiError(ApiErrorKind.Unavailable, "No sandbox host answered the create in time; try again.", RetryAfter: TimeSpan.FromSeconds(5));
        }
        finally
        {
            session.Tell(ClientConnection.Disconnected.Instance);   // a create abandoned by its caller deletes what it made
        }
    }

    public async Task<ApiResult<SandboxView>> GetAsync(Caller caller, string sandboxId, CancellationToken ct)
    {
        var described = await AskSandboxAsync(sandboxId, new DescribeSandbox(sandboxId, AccessOf(caller)), AskTimeout, ct);
        if (!described.Ok || described.Value.State != "running") return described.Map(s => View(s));   // a paused sandbox is not woken to count
        var processes = await CallAsync<Core.Calls.CallReplies.Processes>(new Core.Calls.SandboxCalls.ListProcesses(sandboxId, AccessOf(caller)) { Peek = true }, ct);
        return described.Map(s => View(s) with { ProcessesRunning = processes.Ok ? processes.Value.Items.Count(p => p.State == "running") : null });
    }

    public async Task<ApiResult<IReadOnlyList<SandboxView>>> ListAsync(Caller caller, SandboxQuery query, CancellationToken ct)
    {
        if (!caller.KeysConfigured && !caller.IsLoopback)
            return new ApiError(ApiErrorKind.Forbidden, "Without API keys on the server, the list of sandboxes answers callers on this machine only (loopback).");
        if (LabelRules.Problem(query.Labels) is { } labels) return new ApiError(ApiErrorKind.Invalid, $"label filter: {labels}.", "label");
        if (query.State is { } st && st is not ("starting" or "running" or "paused" or "ended"))
            return new ApiError(ApiErrorKind.Invalid, $"state '{Shorten(st)}' is not one of starting, running, paused, ended.", "state");
        var rows = await HostAgents.AskAnyAsync<object>(gateway.System, NodeRoles.SandboxHost, new CatalogMessages.Query(new CatalogQuery
        {
            Owner = caller.KeyFingerprint,
            Labels = query.Labels.ToImmutableSortedDictionary(),
            States = query.State is { } s ? [s] : [],
            Limit = query.Limit,
        }));
        return rows switch
        {
            CatalogMessages.Rows r => r.Summaries.Select(x => View(x)).ToList(),
            CatalogMessages.Unavailable u => new ApiError(ApiErrorKind.Unavailable, $"The sandbox catalog is unavailable ({u.Reason}); try again.", RetryAfter: TimeSpan.FromSeconds(5)),
            _ => new ApiError(ApiErrorKind.Unavailable, "No sandbox host answered; try again.", RetryAfter: TimeSpan.FromSeconds(5)),
        };
    }

    public async Task<ApiResult<Done>> DeleteAsync(Caller caller, string sandboxId, CancellationToken ct) =>
        Audited("delete", caller, sandboxId, (await AskSandboxAsync(sandboxId, new DeleteSandbox(sandboxId, AccessOf(caller)), AskTimeout, ct)).Map(_ => Done.Instance));

    public async Task<ApiResult<IReadOnlyList<SandboxEventView>>> EventsAsync(Caller caller, string sandboxId, CancellationToken ct)
    {
        if (!SandboxIdentity.IsWellFormed(sandboxId)) return UnknownSandbox(sandboxId);
        var answer = await AskAsync(new GetSandboxHistory(sandboxId, AccessOf(caller)), AskTimeout, ct);
        if (!answer.Ok) return answer.Error;
        return answer.Value is SandboxHistory h
            ? h.Entries.Select(e => new SandboxEventView(e.At, e.Type, e.Detail)).ToList()
            : new ApiError(ApiErrorKind.Internal, $"The sandbox answered {answer.Value.GetType().Name} unexpectedly.");
    }

    public async Task<ApiResult<SandboxView>> SetTtlAsync(Caller caller, string sandboxId, double ttlSeconds, CancellationToken ct)
    {
        if (CreateRequestRules.TtlProblem(ttlSeconds) is { } problem) return new ApiError(ApiErrorKind.Invalid, problem, "ttl_seconds");
        return Audited("ttl", caller, sandboxId, (await AskSandboxAsync(sandboxId, new SetSandboxTtl(sandboxId, AccessOf(caller), ttlSeconds), AskTimeout, ct)).Map(s => View(s)));
    }

    public async Task<ApiResult<SandboxView>> PauseAsync(Caller caller, string sandboxId, CancellationToken ct) =>
        Audited("pause", caller, sandboxId, (await AskSandboxAsync(sandboxId, new PauseSandbox(sandboxId, AccessOf(caller)), OperationTimeout, ct)).Map(s => View(s)));

    public async Task<ApiResult<SandboxView>> ResumeAsync(Caller caller, string sandboxId, CancellationToken ct) =>
        Audited("resume", caller, sandboxId, (await AskSandboxAsync(sandboxId, new ResumeSandbox(sandboxId, AccessOf(caller)), OperationTimeout, ct)).Map(s => View(s)));
}
