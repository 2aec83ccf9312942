using System.Collections.Concurrent;

namespace Sandbox.Actors.Network;

/// <summary>What runsc needs to start or restore one container with its network: the network
/// namespace to put into the OCI spec, and the resolv.conf for a fresh writable layer.</summary>
public sealed record ContainerNetwork(string NamespacePath, string ResolvConf);

/// <summary>
/// The containers of this node that have a network lease, by container key. <see cref="SandboxNetworks"/>
/// writes it; <c>RunscCli</c> (flags) and <c>OciBundle</c> (spec, resolv.conf) read it, so a
/// container with a lease starts and restores with <c>--network=sandbox</c> in its namespace and
/// every other one with <c>--network=none</c>.
/// </summary>
public sealed class ContainerNetworks
{
    private readonly ConcurrentDictionary<string, ContainerNetwork> _byKey = new();

    public ContainerNetwork? Find(string containerKey) => _byKey.GetValueOrDefault(containerKey);
    internal void Set(string containerKey, ContainerNetwork network) => _byKey[containerKey] = network;
    internal void Remove(string containerKey, ContainerNetwork network) => _byKey.TryRemove(new KeyValuePair<string, ContainerNetwork>(containerKey, network));
    public int Count => _byKey.Count;
}
