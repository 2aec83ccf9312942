using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Sandbox.Gateway;

/// <summary>
/// Optional API keys for the routes that start code (/create, /attach, /execute) and the operator
/// routes (/list, /containers/*). With no keys configured the public routes stay open, as the
/// reference clients expect, and the operator routes answer loopback callers only.
/// A key is read from <c>Authorization: Bearer</c>, <c>X-API-Key</c>, or the <c>api_key</c> query
/// parameter (browsers cannot set headers on a WebSocket upgrade).
/// </summary>
public sealed class ApiKeys
{
    public const string QueryParameter = "api_key";
    public const string HeaderName = "X-API-Key";

    // Keys are kept as SHA-256 digests: every candidate is hashed once and compared to every key in
    // constant time, so neither a key's length nor its prefix shows in the response time.
    private readonly byte[][] _digests;

    public ApiKeys(IEnumerable<string> keys) : this(keys.Where(k => k.Length > 0).Select(Digest)) { }

    private ApiKeys(IEnumerable<byte[]> digests)
    {
        _digests = digests.DistinctBy(Convert.ToHexString).ToArray();
    }

    /// <summary>These keys and <paramref name="more"/> (SANDBOX_API_KEYS and SANDBOX_API_KEYS_FILE add up).</summary>
    public ApiKeys And(IEnumerable<string> more) => new(_digests.Concat(more.Where(k => k.Length > 0).Select(Digest)));

    public static readonly ApiKeys None = new(Array.Empty<string>());

    public bool Enabled => _digests.Length > 0;

    public bool Accepts(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate)) return false;
        var d = Digest(candidate);
        var ok = false;
        foreach (var k in _digests) ok |= CryptographicOperations.FixedTimeEquals(k, d);   // no early exit
        return ok;
    }

    /// <summary>The key the request presents, or null. A header wins over the query parameter.</summary>
    public static string? Presented(HttpRequest r)
    {
        var auth = r.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return auth["Bearer ".Length..].Trim();
        if (r.Headers.TryGetValue(HeaderName, out var h) && h.Count == 1) return h.ToString().Trim();
        if (r.Query.TryGetValue(QueryParameter, out var q) && q.Count == 1) return q.ToString();
        return null;
    }

    /// <summary>
    /// What a key is known by: the owner recorded on the sandboxes it creates, and (its first
    /// <see cref="ShortFingerprintLength"/> characters) how it appears in logs and the audit log.
    /// A one-way digest, so neither the journal nor a log line holds a usable key.
    /// </summary>
    public static string Fingerprint(string key) => "key-" + Convert.ToHexStringLower(Digest(key));

    public const int ShortFingerprintLength = 16;

    public static string ShortFingerprint(string fingerprint) =>
        fingerprint.Length > ShortFingerprintLength ? fingerprint[..ShortFingerprintLength] : fingerprint;

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>What a route needs before its handler runs (and, for WebSocket routes, before the upgrade is accepted).</summary>
public enum RouteAccess
{
    /// <summary>/create, /attach, /execute: a valid key when keys are configured, otherwise anyone.</summary>
    Client,
    /// <summary>/list, /containers/*: a valid key when keys are configured, otherwise loopback callers only.</summary>
    Operator,
}

/// <summary>Answers 401 (or 403 for the operator routes off loopback without keys) before the handler runs.</summary>
public sealed class ApiKeyFilter(RouteAccess access) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var keys = http.RequestServices.GetService(typeof(SandboxGateway)) is SandboxGateway gw ? gw.Options.ApiKeys : ApiKeys.None;
        if (keys.Enabled)
        {
            var presented = ApiKeys.Presented(http.Request);
            if (!keys.Accepts(presented))
            {
                (http.RequestServices.GetService(typeof(SandboxGateway)) as SandboxGateway)?.Audit.Record("authenticate", "refused", null, null,
                    http.Connection.RemoteIpAddress?.ToString(), $"{(presented is null ? "no API key" : "an invalid API key")} on {http.Request.Path}");
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.Json(new
                {
                    detail = presented is null
                        ? $"An API key is required: send 'Authorization: Bearer <key>', an '{ApiKeys.HeaderName}' header, or the '{ApiKeys.QueryParameter}' query parameter."
                        : "Invalid API key.",
                }, statusCode: StatusCodes.Status401Unauthorized);
            }
        }
        else if (access == RouteAccess.Operator && !IsLoopback(http.Connection.RemoteIpAddress))
        {
            return Results.Json(new { detail = "The operator API answers loopback callers only unless API keys are configured (SANDBOX_API_KEYS)." },
                statusCode: StatusCodes.Status403Forbidden);
        }
        return await next(context);
    }

    private static bool IsLoopback(IPAddress? a) => a is not null && IPAddress.IsLoopback(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a);
}
