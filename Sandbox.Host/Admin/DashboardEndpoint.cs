namespace Sandbox.Host.Admin;

/// <summary>The dashboard: one static page (embedded in the assembly) that polls the admin API every 2 s.</summary>
public static class DashboardEndpoint
{
    private static readonly Lazy<string> Page = new(() =>
    {
        using var s = typeof(DashboardEndpoint).Assembly.GetManifestResourceStream("dashboard.html")
                      ?? throw new InvalidOperationException("dashboard.html is not embedded in Sandbox.Host");
        return new StreamReader(s).ReadToEnd();
    });

    public static void MapDashboard(this WebApplication app)
    {
        app.MapGet("/", () => Results.Content(Page.Value, "text/html; charset=utf-8"));
    }
}
