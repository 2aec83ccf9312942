namespace Sandbox.Gateway.Api;

/// <summary>Why an API call failed, as API-v1.md §1 names it; REST maps it to a status and an RFC 9457
/// problem, MCP to a tool result with <c>isError</c>.</summary>
public enum ApiErrorKind
{
    /// <summary>400: malformed input.</summary>
    BadRequest,
    /// <summary>401: an API key is needed or the one given is not valid.</summary>
    Unauthorized,
    /// <summary>403: the sandbox token is missing or wrong (only without API keys; with keys another key's sandbox is <see cref="NotFound"/>).</summary>
    Forbidden,
    /// <summary>404: unknown sandbox, file or process (or another key's sandbox).</summary>
    NotFound,
    /// <summary>409: the sandbox is in the wrong state for this (ended, paused where it cannot resume, not checkpoint-enabled).</summary>
    Conflict,
    /// <summary>413: a body or a file over a limit (the detail names it).</summary>
    TooLarge,
    /// <summary>422: valid JSON with an invalid value (<see cref="ApiError.Field"/> names it).</summary>
    Invalid,
    /// <summary>429: over a quota or busy; <see cref="ApiError.RetryAfter"/> says when to come back.</summary>
    TooManyRequests,
    /// <summary>503: no capacity (the cluster is full, or no host answered).</summary>
    Unavailable,
    /// <summary>500: the sandbox or the server failed; the detail says how.</summary>
    Internal,
}

/// <summary>A failed call: what kind, a sentence a person (or a model) can act on, and where relevant the field and when to retry.</summary>
public sealed record ApiError(ApiErrorKind Kind, string Detail, string? Field = null, TimeSpan? RetryAfter = null);
