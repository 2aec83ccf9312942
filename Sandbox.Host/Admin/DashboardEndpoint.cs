namespace Sandbox.Host.Admin;

/// <summary>
/// The dashboard: one static page (embedded in the assembly) that polls the admin API. The charting
/// library (uPlot, vendored under Admin/Vendor) is inlined into the page where it says so, so the page
/// needs no second request (which would need the token again) and no internet.
/// </summary>
public static class DashboardEndpoint
{
    private const string LibraryPlaceholder = "<!-- uPlot is inlined here by DashboardEndpoint -->";

    private static readonly Lazy<string> Page = new(() =>
    {
        var page = Resource("dashboard.html");
        if (!page.Contains(LibraryPlaceholder, StringComparison.Ordinal))
            throw new InvalidOperationException("dashboard.html has lost the place where the charting library goes");
        // </script> cannot occur in a minified library's text meant for a <script> element; checked, not assumed
        var script = Resource("uPlot.iife.min.js");
        if (script.Contains("</script", StringComparison.OrdinalIgnoreCase)) throw new InvalidOperationException("uPlot.iife.min.js cannot be inlined");
        return page.Replace(LibraryPlaceholder, $"<style>{Resource("uPlot.min.css")}</style>\n<script>{script}</script>", StringComparison.Ordinal);
    });

    private static string Resource(string name)
    {
        using var s = typeof(DashboardEndpoint).Assembly.GetManifestResourceStream(name)
                      ?? throw new InvalidOperationException($"{name} is not embedded in Sandbox.Host");
        return new StreamReader(s).ReadToEnd();
    }

    public static void MapDashboard(this WebApplication app)
    {
        app.MapGet("/", () => Results.Content(Page.Value, "text/html; charset=utf-8"));
    }
}
