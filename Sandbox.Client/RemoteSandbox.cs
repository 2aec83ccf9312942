using Sandbox.Client.Internal;
using Sandbox.Client.Reference;

namespace Sandbox.Client;

/// <summary>
/// One sandbox on the server (API-v1.md §2–§6): its lifecycle, <see cref="Files"/> and
/// <see cref="Processes"/>. A handle only: nothing is deleted when it is dropped.
/// </summary>
public sealed class RemoteSandbox
{
    internal RemoteSandbox(SandboxClient client, string id, string? token)
    {
        Client = client;
        Id = id;
        Token = token;
        Files = new SandboxFiles(this);
        Processes = new SandboxProcesses(this);
    }

    internal SandboxClient Client { get; }
    public string Id { get; }
    /// <summary>The sandbox token (from its creation); null when only the API key's ownership is used.</summary>
    public string? Token { get; }
    /// <summary>What the server said about the sandbox the last time this handle asked.</summary>
    public SandboxInfo? LastKnown { get; internal set; }
    public SandboxFiles Files { get; }
    public SandboxProcesses Processes { get; }

    internal string Path(string rest = "") => Client.Url($"/v1/sandboxes/{Uri.EscapeDataString(Id)}{rest}");
    internal ApiHttp Api => Client.Api;

    public async Task<SandboxInfo> GetAsync(CancellationToken ct = default) =>
        LastKnown = await Api.JsonAsync<SandboxInfo>(HttpMethod.Get, Path(), Token, null, ct).ConfigureAwait(false);

    /// <summary>Kills the sandbox and deletes its checkpoints.</summary>
    public Task DeleteAsync(CancellationToken ct = default) => Api.NoContentAsync(HttpMethod.Delete, Path(), Token, null, ct);

    /// <summary>Checkpoints memory, processes and files and releases the host's memory (needs EnableCheckpoint).</summary>
    public async Task<SandboxInfo> PauseAsync(CancellationToken ct = default) =>
        LastKnown = await Api.JsonAsync<SandboxInfo>(HttpMethod.Post, Path("/pause"), Token, new { }, ct).ConfigureAwait(false);

    public async Task<SandboxInfo> ResumeAsync(CancellationToken ct = default) =>
        LastKnown = await Api.JsonAsync<SandboxInfo>(HttpMethod.Post, Path("/resume"), Token, new { }, ct).ConfigureAwait(false);

    /// <summary>New sandboxes from this one's state now (1–16); each handle carries its own token.</summary>
    public async Task<IReadOnlyList<RemoteSandbox>> ForkAsync(int count = 1, IReadOnlyDictionary<string, string>? labels = null, CancellationToken ct = default)
    {
        var a = await Api.JsonAsync<ForkAnswer>(HttpMethod.Post, Path("/fork"), Token, new { count, labels }, ct).ConfigureAwait(false);
        return a.Sandboxes.Select(f => new RemoteSandbox(Client, f.SandboxId, f.SandboxToken)).ToList();
    }

    /// <summary>Sets the remaining lifetime, from now.</summary>
    public async Task<SandboxInfo> SetTtlAsync(TimeSpan ttl, CancellationToken ct = default) =>
        LastKnown = await Api.JsonAsync<SandboxInfo>(HttpMethod.Post, Path("/ttl"), Token, new { ttl_seconds = ttl.TotalSeconds }, ct).ConfigureAwait(false);

    public Task<NetworkPolicy> SetNetworkAsync(NetworkPolicy policy, CancellationToken ct = default) =>
        Api.JsonAsync<NetworkPolicy>(HttpMethod.Put, Path("/network"), Token, policy, ct);

    public async Task<IReadOnlyList<SandboxEvent>> GetEventsAsync(CancellationToken ct = default) =>
        (await Api.JsonAsync<EventList>(HttpMethod.Get, Path("/events"), Token, null, ct).ConfigureAwait(false)).Events;

    /// <summary>Runs code as a process and waits for its end: stdout, stderr and how it ended.</summary>
    public async Task<ExecResult> ExecAsync(string language, string code, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var p = await Processes.StartAsync(new ProcessStartOptions { Language = language, Code = code, TimeoutSeconds = timeout?.TotalSeconds }, ct).ConfigureAwait(false);
        return await p.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>This sandbox over the reference protocol (needs its token).</summary>
    public Task<SandboxSession> AttachSessionAsync(bool autoReconnect = true, CancellationToken ct = default) =>
        Client.AttachSessionAsync(Id, Token ?? throw new InvalidOperationException("attaching needs the sandbox token"), autoReconnect, ct);
}
