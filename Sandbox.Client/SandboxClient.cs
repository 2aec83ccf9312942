using Sandbox.Client.Internal;
using Sandbox.Client.Reference;

namespace Sandbox.Client;

/// <summary>
/// The entry point: sandboxes over API v1 (<see cref="CreateSandboxAsync"/>, <see cref="GetSandbox"/>,
/// <see cref="ListSandboxesAsync"/>) and sessions over the reference WebSocket protocol
/// (<see cref="CreateSessionAsync"/>, <see cref="AttachSessionAsync"/>). Every call is asynchronous and cancellable.
/// </summary>
public sealed class SandboxClient : IDisposable
{
    private readonly bool _ownsHttp;

    public SandboxClient(SandboxClientOptions options)
    {
        Options = options;
        var http = options.HttpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _ownsHttp = options.HttpClient is null;
        Api = new ApiHttp(http, options.ApiKey);
    }

    public SandboxClient(Uri baseAddress, string? apiKey = null) : this(new SandboxClientOptions { BaseAddress = baseAddress, ApiKey = apiKey }) { }

    public SandboxClientOptions Options { get; }
    internal ApiHttp Api { get; }

    internal string Url(string pathAndQuery) => new Uri(Options.BaseAddress, pathAndQuery).ToString();

    /// <summary>Creates a sandbox (POST /v1/sandboxes).</summary>
    public async Task<RemoteSandbox> CreateSandboxAsync(CreateSandboxOptions? options = null, CancellationToken ct = default)
    {
        var info = await Api.JsonAsync<SandboxInfo>(HttpMethod.Post, Url("/v1/sandboxes"), null, options ?? new CreateSandboxOptions(), ct).ConfigureAwait(false);
        return new RemoteSandbox(this, info.SandboxId, info.SandboxToken) { LastKnown = info };
    }

    /// <summary>A handle on an existing sandbox (no call is made): its token is needed without API keys, or for another key's sandbox.</summary>
    public RemoteSandbox GetSandbox(string sandboxId, string? sandboxToken = null) => new(this, sandboxId, sandboxToken);

    /// <summary>The caller's sandboxes with all of <paramref name="labels"/> (and in <paramref name="state"/>, if given).</summary>
    public async Task<IReadOnlyList<SandboxInfo>> ListSandboxesAsync(IReadOnlyDictionary<string, string>? labels = null, string? state = null, CancellationToken ct = default)
    {
        var query = string.Join("&", (labels ?? new Dictionary<string, string>()).Select(l => "label=" + ApiHttp.Q(l.Key + "=" + l.Value))
            .Concat(state is null ? [] : ["state=" + ApiHttp.Q(state)]));
        var list = await Api.JsonAsync<SandboxList>(HttpMethod.Get, Url("/v1/sandboxes" + (query.Length > 0 ? "?" + query : "")), null, null, ct).ConfigureAwait(false);
        return list.Sandboxes;
    }

    /// <summary>Creates a sandbox over the reference protocol (WS /create) and returns the attached session.</summary>
    public Task<SandboxSession> CreateSessionAsync(SessionOptions? options = null, CancellationToken ct = default) =>
        SandboxSession.CreateAsync(this, options ?? new SessionOptions(), ct);

    /// <summary>Attaches to a sandbox over the reference protocol (WS /attach/{id}?sandbox_token=…).</summary>
    public Task<SandboxSession> AttachSessionAsync(string sandboxId, string sandboxToken, bool autoReconnect = true, CancellationToken ct = default) =>
        SandboxSession.AttachAsync(this, sandboxId, sandboxToken, autoReconnect, ct);

    internal Uri WebSocketUri(string pathAndQuery)
    {
        var b = new UriBuilder(new Uri(Options.BaseAddress, pathAndQuery));
        b.Scheme = b.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return b.Uri;
    }

    public void Dispose()
    {
        if (_ownsHttp) Api.Http.Dispose();
    }
}
