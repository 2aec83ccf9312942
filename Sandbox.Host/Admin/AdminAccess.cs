using System.Net;
using System.Security.Cryptography;
using System.Text;
using Sandbox.Host.Configuration;

namespace Sandbox.Host.Admin;

/// <summary>
/// Who may use the admin API. On loopback only local users reach it; anywhere else it can drain or
/// down nodes, so a node refuses to start there without a token. With a token, every request must
/// carry it (<c>Authorization: Bearer …</c>, or <c>?access_token=…</c> for the dashboard in a browser).
/// </summary>
public static class AdminAccess
{
    /// <summary>Throws with the reason when the settings would expose the admin API unprotected.</summary>
    public static void Validate(SandboxHostSettings s)
    {
        if (s.AdminPort < 0 || s.AdminPort > 65535)
            throw new InvalidOperationException($"SANDBOX_ADMIN_PORT must be 0 (off) or a TCP port, not {s.AdminPort}");
        if (s.AdminPort != 0 && s.AdminToken is null && !IsLoopback(s.AdminHost))
            throw new InvalidOperationException(
                $"refusing to start: the admin API would listen on {s.AdminHost}:{s.AdminPort}, which is not a loopback address, without a token. " +
                "Set SANDBOX_ADMIN_TOKEN, bind SANDBOX_ADMIN_HOST to 127.0.0.1, or turn the admin API off with SANDBOX_ADMIN_PORT=0.");
    }

    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Lets a request through only with the token (when one is configured).</summary>
    public static void UseAdminToken(this WebApplication app, string? token)
    {
        if (token is null) return;
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        app.Use(async (ctx, next) =>
        {
            var presented = Presented(ctx.Request);
            // compare digests in constant time: neither the length nor a prefix of the token leaks
            if (presented is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), expected))
            {
                await next();
                return;
            }
            ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
            ctx.Response.Headers.WWWAuthenticate = "Bearer";
            await ctx.Response.WriteAsJsonAsync(new
            {
                detail = presented is null ? "this admin API requires a bearer token (Authorization: Bearer <SANDBOX_ADMIN_TOKEN>)" : "invalid admin token",
            });
        });
    }

    private static string? Presented(HttpRequest r)
    {
        var header = r.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        return r.Query.TryGetValue("access_token", out var q) && q.ToString().Length > 0 ? q.ToString() : null;
    }
}
