using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Operations;

/// <summary>
/// A real in-process node (both roles, SQLite, real runsc) with its admin API on a free loopback port
/// (no token: loopback) and a metrics sample every second, so that a spec sees its own actions in the
/// history within seconds.
/// </summary>
public class AdminNodeFixture : ServerFixture
{
    public int AdminPort { get; } = LoopbackPorts.Reserve();
    public string AdminUrl => $"http://127.0.0.1:{AdminPort}";

    protected override SandboxHostSettings Customize(SandboxHostSettings s) =>
        s with { AdminPort = AdminPort, ExtraHocon = "sandbox.metrics-history.interval = 1s" };

    /// <summary>The node's Akka address, as the admin API names its hosts.</summary>
    public string Node => ClusterAddress;
}
