using NLog.Extensions.Logging;
using Sandbox.Actors.Network;

namespace Sandbox.Host.Configuration;

/// <summary>
/// Starts the node's sandbox networks (API-v1 §6) when it hosts sandboxes and networking is on
/// (<c>RUNSC_DISABLE_NETWORKING=false</c>): it sweeps what a crashed predecessor left, checks the pool
/// against the node's networks, builds the nftables table and starts the DNS forwarder, before any
/// sandbox can start. Disposed in the node's coordinated shutdown, after the containers are gone.
/// Without networking nothing is started and every container runs <c>--network=none</c>.
/// </summary>
public static class NetworkWiring
{
    /// <exception cref="NetworkOptionsException">the pool overlaps a network of the node</exception>
    public static SandboxNetworks? Start(SandboxHostSettings s)
    {
        if (!s.IsSandboxHost || !s.Network.Enabled) return null;
        var log = new NLogLoggerFactory().CreateLogger(typeof(SandboxNetworks).FullName!);
        var networks = new SandboxNetworks(s.Network, line => log.LogInformation("{Line}", line), s.Network.PreparedSlots);
        try
        {
            networks.StartAsync().GetAwaiter().GetResult();
        }
        catch
        {
            networks.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
        return networks;
    }
}
