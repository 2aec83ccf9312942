using System.Net;

namespace Sandbox.Actors.Network;

/// <summary>A namespace with its veth, address and nftables objects, made ahead of use or on demand.
/// Names carry the node's tag, so a sweep finds its own and never another node's.</summary>
internal sealed record NetworkSlot(string Id, string Namespace, string HostInterface, IPAddress Address)
{
    public string NamespacePath => $"/run/netns/{Namespace}";
}
