using Sandbox.Host;
using Sandbox.Host.Configuration;

// One node of the sandbox host. The embedded default (no SANDBOX_ROLES, no seeds) runs both roles
// in this process with a SQLite journal under SANDBOX_DATA_DIR. SIGINT/SIGTERM run Akka's
// coordinated shutdown, which removes every container of this node before the process exits.
var settings = SandboxHostSettings.FromEnvironment();
var app = SandboxServer.Build(settings);
app.Logger.LogInformation("gVisor sandbox host listening on http://{Host}:{Port} (roles: {Roles}, data: {DataDir})",
    settings.Host, settings.Port, string.Join(",", settings.Roles), settings.DataDir);
await app.RunAsync();
