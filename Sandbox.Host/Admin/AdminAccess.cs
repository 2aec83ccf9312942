using System.Security.Cryptography;
using System.Text;

namespace Sandbox.Host.Admin;

/// <summary>
/// Who may use the admin API. On loopback only local users reach it; anywhere else it can drain or
/// down nodes, so a node refuses to start there without a token (NodeConfigurationRules). With a token, every request must
/// carry it (<c>Authorization: Bearer …</c>, or <c>?access_token=…</c> for the dashboard in a browser).
/// </summary>
public static class AdminAccess
{
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
