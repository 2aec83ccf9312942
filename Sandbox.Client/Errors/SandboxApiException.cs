using System.Net;

namespace Sandbox.Client;

/// <summary>
/// A /v1 call answered with an RFC 9457 problem. <see cref="Detail"/> is the server's sentence about
/// what to change; the subclasses tell the cases apart by type, so callers never match on text.
/// </summary>
public class SandboxApiException : SandboxException
{
    public SandboxApiException(HttpStatusCode status, string? type, string? title, string detail, string? field = null, TimeSpan? retryAfter = null)
        : base(detail)
    {
        Status = status;
        ProblemType = type;
        Title = title;
        Detail = detail;
        Field = field;
        RetryAfter = retryAfter;
    }

    public HttpStatusCode Status { get; }
    /// <summary>The problem's <c>type</c> URI.</summary>
    public string? ProblemType { get; }
    public string? Title { get; }
    public string Detail { get; }
    /// <summary>For a 422: the request field whose value was refused.</summary>
    public string? Field { get; }
    /// <summary>For a 429 or 503: when to try again.</summary>
    public TimeSpan? RetryAfter { get; }

    internal static SandboxApiException Create(HttpStatusCode status, string? type, string? title, string detail, string? field, TimeSpan? retryAfter) => (int)status switch
    {
        400 => new SandboxBadRequestException(status, type, title, detail, field, retryAfter),
        401 => new SandboxAuthenticationException(status, type, title, detail, field, retryAfter),
        403 => new SandboxAccessDeniedException(status, type, title, detail, field, retryAfter),
        404 => new SandboxNotFoundException(status, type, title, detail, field, retryAfter),
        409 => new SandboxConflictException(status, type, title, detail, field, retryAfter),
        413 => new SandboxTooLargeException(status, type, title, detail, field, retryAfter),
        422 => new SandboxValidationException(status, type, title, detail, field, retryAfter),
        429 => new SandboxRateLimitedException(status, type, title, detail, field, retryAfter),
        503 => new SandboxUnavailableException(status, type, title, detail, field, retryAfter),
        _ => new SandboxApiException(status, type, title, detail, field, retryAfter),
    };
}

/// <summary>400: the request was malformed (the detail says how).</summary>
public sealed class SandboxBadRequestException(HttpStatusCode s, string? t, string? ti, string d, string? f, TimeSpan? r) : SandboxApiException(s, t, ti, d, f, r);
/// <summary>401: an API key is needed, or the one given is not valid.</summary>
public sealed class SandboxAuthenticationException(HttpStatusCode s, string? t, string? ti, string d, string? f, TimeSpan? r) : SandboxApiException(s, t, ti, d, f, r);
/// <summary>403: the sandbox token is missing or wrong.</summary>
public sealed class SandboxAccessDeniedException(HttpStatusCode s, string? t, string? ti, string d, string? f, TimeSpan? r) : SandboxApiException(s, t, ti, d, f, r);
/// <summary>404: no such sandbox, file or process (or one this key does not own).</summary>
public sealed class SandboxNotFoundException(HttpStatusCode s, string? t, string? ti, string d, string? f, TimeSpan? r) : SandboxApiException(s, t, ti, d, f, r);
/// <summary>409: the sandbox (or process) is in the wrong state, e.g. it has ended.</summary>
public sealed class SandboxConflictException(HttpStatusCode s, string? t, string? ti, string d, string? f, TimeSpan? r) : SandboxApiException(s, t, ti, d, f, r);
/// <summary>413: a body or file over a limit (the detail names it).</summary>
public sealed class SandboxTooLargeException(HttpStatusCode s, string? t, string? ti, string d, string? f, TimeSpan? r) : SandboxApiException(s, t, ti, d, f, r);
/// <summary>422: a value was refused; <see cref="SandboxApiException.Field"/> names it.</summary>
public sealed class SandboxValidationException(HttpStatusCode s, string? t, string? ti, string d, string? f, TimeSpan? r) : SandboxApiException(s, t, ti, d, f, r);
/// <summary>429: over a quota or busy; see <see cref="SandboxApiException.RetryAfter"/>.</summary>
public sealed class SandboxRateLimitedException(HttpStatusCode s, string? t, string? ti, string d, string? f, TimeSpan? r) : SandboxApiException(s, t, ti, d, f, r);
/// <summary>503: no capacity.</summary>
public sealed class SandboxUnavailableException(HttpStatusCode s, string? t, string? ti, string d, string? f, TimeSpan? r) : SandboxApiException(s, t, ti, d, f, r);
