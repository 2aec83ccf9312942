namespace Sandbox.Gateway.Api;

/// <summary>
/// The one way the gateway's public surfaces beyond the reference protocol (REST /v1, /mcp, and
/// through them the SDK) reach sandboxes: every call goes to the sandbox's actor through the shard
/// region, for a sandbox on any host, and a paused sandbox is resumed first wherever a call needs
/// its container. Calls never throw for an expected failure; they answer an <see cref="ApiError"/>.
/// Authorization (API-v1.md §1) is decided here from the <see cref="Caller"/>: a key sees only the
/// sandboxes it created (others are <see cref="ApiErrorKind.NotFound"/>), the sandbox token works
/// instead of ownership, and without keys sandbox-scoped calls need the token.
/// </summary>
public interface ISandboxApi
{
    // ---- sandboxes (§2) ------------------------------------------------------------------------
    Task<ApiResult<SandboxView>> CreateAsync(Caller caller, CreateSandboxRequest request, CancellationToken ct);
    Task<ApiResult<SandboxView>> GetAsync(Caller caller, string sandboxId, CancellationToken ct);
    Task<ApiResult<IReadOnlyList<SandboxView>>> ListAsync(Caller caller, SandboxQuery query, CancellationToken ct);
    Task<ApiResult<Done>> DeleteAsync(Caller caller, string sandboxId, CancellationToken ct);
    Task<ApiResult<IReadOnlyList<SandboxEventView>>> EventsAsync(Caller caller, string sandboxId, CancellationToken ct);
    Task<ApiResult<SandboxView>> SetTtlAsync(Caller caller, string sandboxId, double ttlSeconds, CancellationToken ct);

    // ---- pause, resume, fork (§5) ----------------------------------------------------------------
    Task<ApiResult<SandboxView>> PauseAsync(Caller caller, string sandboxId, CancellationToken ct);
    Task<ApiResult<SandboxView>> ResumeAsync(Caller caller, string sandboxId, CancellationToken ct);
    Task<ApiResult<IReadOnlyList<ForkedSandbox>>> ForkAsync(Caller caller, string sandboxId, int count,
        IReadOnlyDictionary<string, string>? labels, CancellationToken ct);

    // ---- network (§6) ----------------------------------------------------------------------------
    Task<ApiResult<NetworkPolicyView>> SetNetworkAsync(Caller caller, string sandboxId, NetworkPolicyView policy, CancellationToken ct);

    // ---- files (§3) ----------------------------------------------------------------------------------
    /// <summary>Streams <paramref name="content"/> into the file (parents created); the disk limit is a <see cref="ApiErrorKind.TooLarge"/> naming it.</summary>
    Task<ApiResult<FileEntryView>> WriteFileAsync(Caller caller, string sandboxId, string path, int? mode, Stream content, CancellationToken ct);
    Task<ApiResult<FileDownload>> ReadFileAsync(Caller caller, string sandboxId, string path, CancellationToken ct);
    Task<ApiResult<IReadOnlyList<FileEntryView>>> ListFilesAsync(Caller caller, string sandboxId, string path, int depth, CancellationToken ct);
    Task<ApiResult<FileEntryView>> StatFileAsync(Caller caller, string sandboxId, string path, CancellationToken ct);
    Task<ApiResult<Done>> MakeDirectoryAsync(Caller caller, string sandboxId, string path, CancellationToken ct);
    Task<ApiResult<Done>> DeleteFileAsync(Caller caller, string sandboxId, string path, bool recursive, CancellationToken ct);
    /// <summary>Changes until <paramref name="ct"/> is cancelled (the client left).</summary>
    Task<ApiResult<IAsyncEnumerable<FileChangeView>>> WatchAsync(Caller caller, string sandboxId, string path, bool recursive, CancellationToken ct);

    // ---- processes and terminals (§4) ---------------------------------------------------------------
    Task<ApiResult<ProcessView>> StartProcessAsync(Caller caller, string sandboxId, ProcessRequest request, CancellationToken ct);
    Task<ApiResult<IReadOnlyList<ProcessView>>> ListProcessesAsync(Caller caller, string sandboxId, CancellationToken ct);
    Task<ApiResult<ProcessView>> GetProcessAsync(Caller caller, string sandboxId, string processId, CancellationToken ct);
    /// <summary>Output records from <paramref name="offset"/> (a <c>gap</c> first if it was dropped); with
    /// <paramref name="follow"/> until the exit record, else what exists now.</summary>
    Task<ApiResult<IAsyncEnumerable<OutputRecord>>> ReadOutputAsync(Caller caller, string sandboxId, string processId, long offset, bool follow, CancellationToken ct);
    Task<ApiResult<Done>> WriteStdinAsync(Caller caller, string sandboxId, string processId, Stream data, bool eof, CancellationToken ct);
    /// <summary><paramref name="signal"/>: TERM, KILL, INT or HUP.</summary>
    Task<ApiResult<Done>> SignalAsync(Caller caller, string sandboxId, string processId, string signal, CancellationToken ct);
    Task<ApiResult<Done>> ResizeAsync(Caller caller, string sandboxId, string processId, int cols, int rows, CancellationToken ct);
    Task<ApiResult<ITerminalAttachment>> AttachTerminalAsync(Caller caller, string sandboxId, string processId, long offset, CancellationToken ct);
}
