using Sandbox.Tests.Support;
using System.Diagnostics;

namespace Sandbox.Tests.Operations;

/// <summary>A node whose admin API would be reachable from other machines refuses to start without a token.</summary>
public class AdminAccessSpec
{
    [Fact]
    public async Task A_node_refuses_to_start_with_its_admin_API_off_loopback_and_no_token()
    {
        var dataDir = Directory.CreateTempSubdirectory("sandbox-admin-access-").FullName;
        try
        {
            var dll = Path.Combine(OperationsClusterFixture.RepoRoot, "Sandbox.Host/bin/Release/net10.0/Sandbox.Host.dll");
            var psi = new ProcessStartInfo("dotnet", [File.Exists(dll) ? dll : typeof(Sandbox.Host.SandboxServer).Assembly.Location]) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["SANDBOX_ADMIN_HOST"] = "0.0.0.0";
            psi.Environment["SANDBOX_ADMIN_PORT"] = LoopbackPorts.Reserve().ToString();
            psi.Environment.Remove("SANDBOX_ADMIN_TOKEN");
            psi.Environment["PORT"] = LoopbackPorts.Reserve().ToString();
            psi.Environment["SANDBOX_DATA_DIR"] = dataDir;
            psi.Environment["SANDBOX_WARM_POOL_SIZE"] = "0";
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail("the node started although its admin API would listen on 0.0.0.0 without a token");
            }
            Assert.Equal(2, p.ExitCode);
            var err = await stderr;
            Assert.Contains("SANDBOX_ADMIN_TOKEN", err);
            Assert.Contains("0.0.0.0", err);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
