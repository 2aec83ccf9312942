using Sandbox.Host;
using Sandbox.Host.Configuration;

// One node of the sandbox host. The embedded default (no SANDBOX_ROLES, no seeds) runs both roles
// in this process with a SQLite journal under SANDBOX_DATA_DIR. SIGINT/SIGTERM run Akka's
// coordinated shutdown, which removes every container of this node before the process exits.
var settings = SandboxHostSettings.FromEnvironment();
WebApplication app;
try
{
    app = SandboxServer.Build(settings);
}
catch (InvalidOperationException e) when (e.Message.StartsWith("refusing to start", StringComparison.Ordinal) || e.Message.StartsWith("SANDBOX_", StringComparison.Ordinal))
{
    // a configuration that must not run: say why and stop, without a stack trace
    Console.Error.WriteLine($"gVisor sandbox host: {e.Message}");
    return 2;
}
app.Logger.LogInformation("gVisor sandbox host listening on http://{Host}:{Port} (roles: {Roles}, data: {DataDir})",
    settings.Host, settings.Port, string.Join(",", settings.Roles), settings.DataDir);
try
{
    await app.RunAsync();
}
catch (InvalidOperationException e) when (e.Message.StartsWith("the admin API cannot listen", StringComparison.Ordinal))
{
    Console.Error.WriteLine($"gVisor sandbox host: {e.Message}");
    return 2;
}
return 0;
