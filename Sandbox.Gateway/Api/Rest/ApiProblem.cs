using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// An RFC 9457 problem (<c>application/problem+json</c>: type, title, status, detail, and
/// <c>field</c> for a 422) as an <see cref="IResult"/>; a 429 or 503 with a retry time carries
/// <c>Retry-After</c>. The one place where an <see cref="ApiErrorKind"/> becomes an HTTP status.
/// </summary>
public sealed class ApiProblem(int status, string detail, string? field = null, TimeSpan? retryAfter = null) : IResult
{
    public const string ContentType = "application/problem+json";
    public const string TypeBase = "urn:gvisor-sandbox:problem:";

    /// <summary>A 429 always says when to come back (API-v1.md §1); this when the facade did not say.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    public int Status { get; } = status;
    public string Detail { get; } = detail;
    public string? Field { get; } = field;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static ApiProblem From(ApiError e) => new(StatusOf(e.Kind), e.Detail, e.Field,
        e.RetryAfter ?? (e.Kind == ApiErrorKind.TooManyRequests ? DefaultRetryAfter : null));

    public static ApiProblem BadRequest(string detail) => new(StatusCodes.Status400BadRequest, detail);
    public static ApiProblem Invalid(string field, string detail) => new(StatusCodes.Status422UnprocessableEntity, detail, field);
    public static ApiProblem TooLarge(string detail) => new(StatusCodes.Status413PayloadTooLarge, detail);
    public static ApiProblem NotImplemented(string what) => new(StatusCodes.Status501NotImplemented,
        $"{what} is not available on this server yet.");

    public static int StatusOf(ApiErrorKind kind) => kind switch
    {
        ApiErrorKind.BadRequest => StatusCodes.Status400BadRequest,
        ApiErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ApiErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ApiErrorKind.NotFound => StatusCodes.Status404NotFound,
        ApiErrorKind.Conflict => StatusCodes.Status409Conflict,
        ApiErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ApiErrorKind.Invalid => StatusCodes.Status422UnprocessableEntity,
        ApiErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        ApiErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static string TitleOf(int status) => status switch
    {
        400 => "Bad request",
        401 => "API key required",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Wrong state",
        413 => "Too large",
        415 => "Unsupported media type",
        422 => "Invalid value",
        429 => "Too many requests",
        501 => "Not implemented",
        503 => "No capacity",
        _ => "Server error",
    };

    public static string TypeOf(int status) => TypeBase + status switch
    {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        409 => "conflict",
        413 => "too-large",
        415 => "unsupported-media-type",
        422 => "invalid",
        429 => "too-many-requests",
        501 => "not-implemented",
        503 => "unavailable",
        _ => "internal",
    };

    public ProblemBody Body => new(TypeOf(Status), TitleOf(Status), Status, Detail, Field);

    public async Task ExecuteAsync(HttpContext http)
    {
        if (http.Response.HasStarted) { http.Abort(); return; }
        http.Response.StatusCode = Status;
        if (Status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "Bearer";
        if (RetryAfter is { } wait)
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        http.Response.ContentType = ContentType;
        await JsonSerializer.SerializeAsync(http.Response.Body, Body, V1Json.Options, http.RequestAborted);
    }
}

/// <summary>The body of a problem response (RFC 9457).</summary>
/// <param name="Type">A URI naming the kind of problem.</param>
/// <param name="Title">A short summary of the kind of problem.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">What went wrong in this case, and what to change.</param>
/// <param name="Field">For a 422: the request field whose value was refused.</param>
public sealed record ProblemBody(string Type, string Title, int Status, string Detail, string? Field = null);
