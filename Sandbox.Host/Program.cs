using Sandbox.Host;
using Sandbox.Host.Configuration;

// One node of the sandbox host. The embedded default (no SANDBOX_ROLES, no seeds) runs both roles
// in this process with a SQLite journal under SANDBOX_DATA_DIR. SIGINT/SIGTERM run Akka's
// coordinated shutdown, which removes every container of this node before the process exits.
SandboxHostSettings settings;
WebApplication app;
try
{
    settings = SandboxHostSettings.FromEnvironment();
    app = SandboxServer.Build(settings);
}
catch (InvalidConfigurationException e)
{
    return Refuse(e.Problems);
}
app.Logger.LogInformation("gVisor sandbox host listening on http://{Host}:{Port} (roles: {Roles}, data: {DataDir}, remoting: {Tls})",
    settings.Host, settings.Port, string.Join(",", settings.Roles), settings.DataDir, settings.Tls.Enabled ? "mutual TLS" : "plain TCP");
if (settings.Runsc.IgnoreCgroups)
    app.Logger.LogWarning("Running without cgroups (RUNSC_IGNORE_CGROUPS): {Lost}", Sandbox.Actors.Runsc.HostCgroups.WhatIsLost);
try
{
    await app.RunAsync();
}
catch (InvalidConfigurationException e)
{
    return Refuse(e.Problems);
}
catch (Exception e) when (StartFailures.Explain(e, settings) is { } problem)
{
    return Refuse([problem]);
}
return 0;

// A configuration that must not run: one line per problem, no stack trace, exit code 2.
static int Refuse(IEnumerable<ConfigurationProblem> problems)
{
    foreach (var p in problems) Console.Error.WriteLine(p);
    return 2;
}
