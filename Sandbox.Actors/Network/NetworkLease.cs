using System.Net;

namespace Sandbox.Actors.Network;

/// <summary>
/// One sandbox's private network on this node: its namespace (runsc takes over the namespace's
/// interface with gVisor's own netstack), the host end of its veth, its address in the pool and its
/// current policy. Valid until <see cref="SandboxNetworks.ReleaseAsync"/>. A lease does not travel:
/// a restore or a fork anywhere takes a new lease with the journaled policy, and runsc adopts the
/// new namespace's address and routes (verified on runsc 20240729).
/// </summary>
public sealed class NetworkLease
{
    internal NetworkLease(string containerKey, NetworkSlot slot, NetworkPolicy policy)
    {
        ContainerKey = containerKey;
        Slot = slot;
        Policy = policy;
    }

    internal NetworkSlot Slot { get; }
    public string ContainerKey { get; }
    /// <summary>The network namespace, as the OCI spec names it.</summary>
    public string NamespacePath => Slot.NamespacePath;
    public string HostInterface => Slot.HostInterface;
    /// <summary>The sandbox's own address (unique on this node while the lease lasts).</summary>
    public IPAddress Address => Slot.Address;
    public NetworkPolicy Policy { get; internal set; }
    internal bool Released { get; set; }

    public override string ToString() => $"{ContainerKey} {Address} on {HostInterface} ({Policy.Egress.ToWire()})";
}
