using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Gateway.Api.Rest;

namespace Sandbox.Gateway.Mcp;

/// <summary>
/// The same API keys as /v1 on /mcp: a missing or invalid key is a 401 problem before the MCP
/// transport sees the request, and a valid one becomes the request's user (its fingerprint the
/// name identifier), which the transport binds the session to: a session started with one key
/// cannot be used with another.
/// </summary>
public static class McpApiKeys
{
    public const string AuthenticationType = "SandboxApiKey";

    public static RequestDelegate Guard(RequestDelegate next) => async http =>
    {
        var keys = http.RequestServices.GetService<SandboxGateway>()?.Options.ApiKeys ?? ApiKeys.None;
        if (keys.Enabled)
        {
            var (caller, problem) = V1Callers.FromRequest(http, keys);
            if (problem is not null)
            {
                await problem.ExecuteAsync(http);
                return;
            }
            http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, caller!.KeyFingerprint!)], AuthenticationType));
        }
        await next(http);
    };

    public static string? FingerprintOf(HttpContext? http) =>
        http?.User.Identity?.AuthenticationType == AuthenticationType ? http.User.FindFirst(ClaimTypes.NameIdentifier)?.Value : null;
}
