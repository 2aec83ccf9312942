using System.Diagnostics;

namespace Sandbox.Tests.Operations;

/// <summary>deploy/validate.py over deploy/grafana/sandbox-dashboard.json: it parses and queries only metrics SandboxMetrics exports.</summary>
public class GrafanaDashboardSpec
{
    private static readonly string Validate = Path.Combine(Sandboxctl.RepoRoot, "deploy/validate.py");
    private static readonly string Dashboard = Path.Combine(Sandboxctl.RepoRoot, "deploy/grafana/sandbox-dashboard.json");

    private static async Task<(int Exit, string Out)> Run(params string[] args)
    {
        var psi = new ProcessStartInfo("python3", [Validate, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task The_deployment_files_and_the_grafana_dashboard_pass_validation()
    {
        var (exit, output) = await Run();
        Assert.True(exit == 0, output);
        Assert.Contains("Grafana dashboard", output);
    }

    [Fact]
    public async Task A_dashboard_that_queries_a_metric_nobody_exports_or_is_not_json_fails_validation_naming_it()
    {
        var dir = Directory.CreateTempSubdirectory("grafana-spec-").FullName;
        try
        {
            var misspelt = Path.Combine(dir, "misspelt.json");
            await File.WriteAllTextAsync(misspelt, (await File.ReadAllTextAsync(Dashboard)).Replace("sandbox_sandboxes_memory_bytes", "sandbox_sandboxes_memroy_bytes"));
            var (exit, output) = await Run("--grafana", misspelt);
            Assert.Equal(1, exit);
            Assert.Contains("sandbox_sandboxes_memroy_bytes", output);

            var broken = Path.Combine(dir, "broken.json");
            await File.WriteAllTextAsync(broken, "{ \"panels\": [");
            (exit, output) = await Run("--grafana", broken);
            Assert.Equal(1, exit);
            Assert.Contains("broken.json", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
