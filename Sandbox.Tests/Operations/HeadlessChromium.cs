using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Sandbox.Tests.Operations;

/// <summary>Debian's chromium, headless, as a user's browser: the page's DOM after its scripts ran, and a screenshot.</summary>
public static partial class HeadlessChromium
{
    /// <summary>Where screenshots are kept after the test (the cluster's own directory is removed with it).</summary>
    public static string ArtifactsDir
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("SANDBOX_TEST_ARTIFACTS") is { Length: > 0 } d ? d : Path.Combine(Path.GetTempPath(), "sandbox-test-artifacts");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public static Task<string> DumpDom(string profileDir, string url) => Run(profileDir, "--dump-dom", url);

    /// <summary>Takes a PNG of the page and checks it is one.</summary>
    public static async Task Screenshot(string profileDir, string url, string png)
    {
        await Run(profileDir, $"--screenshot={png}", url);
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.True(bytes.Length > 1000, $"screenshot of {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    private static async Task<string> Run(string profileDir, string what, string url)
    {
        var psi = new ProcessStartInfo("chromium",
            ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1400", "--virtual-time-budget=6000",
             $"--user-data-dir={Path.Combine(profileDir, "profile")}", what, url])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("chromium did not start (scripts/install-deps.sh installs it)");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException("chromium did not finish: " + await stderr); }
        Assert.True(p.ExitCode == 0, $"chromium exited {p.ExitCode}: {await stderr}");
        return await stdout;
    }

    /// <summary>The data attributes the dashboard puts on a chart once uPlot drew it: points given, draws, series drawn with data.</summary>
    public static (int Points, int Draws, int SeriesDrawn) Chart(string dom, string id)
    {
        var tag = Regex.Match(dom, $"<div[^>]*\\bid=\"{Regex.Escape(id)}\"[^>]*>");
        Assert.True(tag.Success, $"no chart {id} in the page");
        int Attr(string name) => Regex.Match(tag.Value, $"\\b{name}=\"(\\d+)\"") is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;
        return (Attr("data-points"), Attr("data-drawn"), Attr("data-series-drawn"));
    }

    /// <summary>The table row (its HTML) that starts with the sandbox's id.</summary>
    public static string Row(string dom, string sandboxId)
    {
        var row = Regex.Match(dom, $"<tr><td>{Regex.Escape(sandboxId)}</td>.*?</tr>", RegexOptions.Singleline);
        Assert.True(row.Success, $"no row for {sandboxId} in the page");
        return row.Value;
    }

    public static readonly string[] Charts = ["chart-states", "chart-creates", "chart-memory", "chart-create", "chart-exec", "chart-restore"];
}
