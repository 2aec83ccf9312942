using Microsoft.AspNetCore.Http;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// Who a request comes from (API-v1.md §1): the fingerprint of its API key, its sandbox token
/// (<c>X-Sandbox-Token</c>, or <c>?sandbox_token=</c> where a browser cannot set headers, as on a
/// WebSocket), and its remote address. The facade decides what that caller may do.
/// </summary>
public static class V1Callers
{
    public const string SandboxTokenHeader = "X-Sandbox-Token";
    public const string SandboxTokenQuery = "sandbox_token";
    private const string ItemKey = "sandbox.v1.caller";

    /// <summary>The caller of a request that passed <see cref="V1AccessFilter"/>; null with a problem to answer otherwise.</summary>
    public static (Caller? Caller, ApiProblem? Problem) FromRequest(HttpContext http, ApiKeys keys)
    {
        string? fingerprint = null;
        if (keys.Enabled)
        {
            var presented = ApiKeys.Presented(http.Request);
            if (presented is null)
                return (null, new ApiProblem(StatusCodes.Status401Unauthorized,
                    $"An API key is required: send 'Authorization: Bearer <key>' or an '{ApiKeys.HeaderName}: <key>' header."));
            if (!keys.Accepts(presented))
                return (null, new ApiProblem(StatusCodes.Status401Unauthorized,
                    "The API key is not valid: check the key you send in 'Authorization: Bearer <key>' or 'X-API-Key'."));
            fingerprint = ApiKeys.Fingerprint(presented);
        }
        var token = http.Request.Headers.TryGetValue(SandboxTokenHeader, out var h) && h.Count == 1 && h.ToString().Length > 0 ? h.ToString()
            : http.Request.Query.TryGetValue(SandboxTokenQuery, out var q) && q.Count == 1 && q.ToString().Length > 0 ? q.ToString()
            : null;
        return (new Caller(fingerprint, keys.Enabled, token, http.Connection.RemoteIpAddress), null);
    }

    internal static void Remember(HttpContext http, Caller caller) => http.Items[ItemKey] = caller;

    /// <summary>The caller <see cref="V1AccessFilter"/> established for this request.</summary>
    public static Caller Of(HttpContext http) =>
        http.Items.TryGetValue(ItemKey, out var c) && c is Caller caller ? caller
            : throw new InvalidOperationException("a /v1 route ran without V1AccessFilter");
}
