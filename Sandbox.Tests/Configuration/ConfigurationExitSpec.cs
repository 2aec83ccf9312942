using Sandbox.Tests.Support;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sandbox.Tests.Configuration;

/// <summary>The real executable, started as an operator would with one variable wrong: it stops with
/// exit code 2 and says which variable, which value and what is accepted, on stderr, one line each.</summary>
public class ConfigurationExitSpec
{
    private static string HostDll
    {
        get
        {
            var built = Path.Combine(AppContext.BaseDirectory, "../../../../Sandbox.Host/bin/Release/net10.0/Sandbox.Host.dll");
            return File.Exists(built) ? Path.GetFullPath(built) : typeof(Sandbox.Host.SandboxServer).Assembly.Location;
        }
    }

    /// <summary>Runs the node with only <paramref name="vars"/> of ours set (the test's own environment is
    /// scrubbed of the node's variables) on free ports and a data directory of its own; a node that
    /// starts anyway is killed after a minute and fails the test.</summary>
    private static async Task<(int Exit, string[] Errors)> Run(params (string Name, string Value)[] vars)
    {
        var dataDir = Directory.CreateTempSubdirectory("sandbox-config-exit-").FullName;
        try
        {
            var psi = new ProcessStartInfo("dotnet", [HostDll]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var name in psi.Environment.Keys.Where(IsNodeVariable).ToList()) psi.Environment.Remove(name);
            psi.Environment["SANDBOX_DATA_DIR"] = dataDir;
            psi.Environment["PORT"] = LoopbackPorts.Reserve().ToString();
            psi.Environment["SANDBOX_ADMIN_PORT"] = "0";
            psi.Environment["SANDBOX_WARM_POOL_SIZE"] = "0";
            psi.Environment["SANDBOX_ROLES"] = "gateway";   // no sandbox host: nothing of runsc is touched
            foreach (var (name, value) in vars) psi.Environment[name] = value;
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail($"the node started with {string.Join(" ", vars.Select(v => $"{v.Name}={v.Value}"))}");
            }
            return (p.ExitCode, (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static bool IsNodeVariable(string name) =>
        name is "HOST" or "PORT" or "STORAGE_EMULATOR_HOST" || new[] { "SANDBOX_", "RUNSC_", "GVISOR_", "LOG_", "FILESYSTEM_SNAPSHOT_" }.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    [Theory]
    [InlineData("SANDBOX_HOST_MAX_SANDBOXES", "abc", "SANDBOX_HOST_MAX_SANDBOXES=abc: expected auto or a whole number from 1 to 100000")]
    [InlineData("RUNSC_USE_SUDO", "maybe", "RUNSC_USE_SUDO=maybe: expected true, false, 1, 0, yes or no (any case)")]
    [InlineData("SANDBOX_ROLES", "gateway,worker", "SANDBOX_ROLES=gateway,worker: expected gateway, sandbox-host or both, comma-separated ('worker' is not gateway or sandbox-host)")]
    [InlineData("LOG_LEVEL", "loud", "LOG_LEVEL=loud: expected trace, debug, info, warn, error or fatal (any case; also warning, critical)")]
    public async Task A_mistyped_variable_stops_the_node_with_exit_code_2_and_one_line_naming_it(string name, string value, string line)
    {
        var (exit, errors) = await Run((name, value));
        Assert.Equal(2, exit);
        Assert.Equal([line], errors);
    }

    [Fact]
    public async Task Remoting_beyond_loopback_without_a_certificate_stops_the_node_naming_the_TLS_variables()
    {
        var (exit, errors) = await Run(("SANDBOX_AKKA_HOST", "10.11.12.13"));
        Assert.Equal(2, exit);
        Assert.Equal(2, errors.Length);
        Assert.StartsWith("SANDBOX_TLS_CERT=(unset): required with SANDBOX_TLS=true", errors[0]);
        Assert.StartsWith("SANDBOX_TLS_CA=(unset): required with SANDBOX_TLS=true", errors[1]);
    }

    [Fact]
    public async Task A_port_another_process_holds_stops_the_node_naming_PORT()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (exit, errors) = await Run(("PORT", port.ToString()));

        Assert.Equal(2, exit);
        Assert.Equal([$"PORT={port}: expected a free port: 127.0.0.1:{port} is in use"], errors);
    }

    [Fact]
    public async Task A_remoting_port_another_process_holds_stops_the_node_naming_SANDBOX_AKKA_PORT()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (exit, errors) = await Run(("SANDBOX_AKKA_PORT", port.ToString()));

        Assert.Equal(2, exit);
        Assert.Equal([$"SANDBOX_AKKA_PORT={port}: expected a free port: 127.0.0.1:{port} is in use"], errors);
    }
}
