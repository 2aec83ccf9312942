namespace Sandbox.Client;

/// <summary>Where the server is and how to authenticate.</summary>
public sealed record SandboxClientOptions
{
    /// <summary>The server's base address, e.g. http://127.0.0.1:8080.</summary>
    public required Uri BaseAddress { get; init; }
    /// <summary>An API key (SANDBOX_API_KEYS), sent as <c>Authorization: Bearer</c>; null when the server has none.</summary>
    public string? ApiKey { get; init; }
    /// <summary>A client to send requests with (its BaseAddress is ignored); null: one of the client's own.</summary>
    public HttpClient? HttpClient { get; init; }
    /// <summary>How often a process's output stream is re-opened after a dropped connection before giving up
    /// (the count starts again once bytes arrive).</summary>
    public int OutputReconnectAttempts { get; init; } = 8;
    /// <summary>How often a reference session re-attaches after its socket dropped before giving up.</summary>
    public int SessionReconnectAttempts { get; init; } = 5;
}
