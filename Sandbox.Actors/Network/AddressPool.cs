using System.Net;

namespace Sandbox.Actors.Network;

/// <summary>
/// Sandbox addresses of the pool: every host address but the network, the gateway and the
/// broadcast. A rotating cursor hands out the least recently freed address first, so a new
/// sandbox rarely inherits an address whose old connections may still linger in conntrack.
/// </summary>
public sealed class AddressPool(Ipv4Cidr subnet)
{
    private readonly HashSet<uint> _inUse = [];
    private uint _cursor = subnet.First + 2;

    public int InUse { get { lock (_inUse) return _inUse.Count; } }

    /// <exception cref="InvalidOperationException">every address is taken</exception>
    public IPAddress Take()
    {
        lock (_inUse)
        {
            var first = subnet.First + 2;
            var last = subnet.Last - 1;
            var count = last - first + 1;
            for (uint i = 0; i < count; i++)
            {
                var candidate = _cursor;
                _cursor = _cursor >= last ? first : _cursor + 1;
                if (_inUse.Add(candidate)) return Ipv4Cidr.FromUInt32(candidate);
            }
            throw new InvalidOperationException($"the sandbox address pool {subnet} is exhausted ({NetworkOptions.SubnetVariable})");
        }
    }

    public void Return(IPAddress address)
    {
        lock (_inUse) _inUse.Remove(Ipv4Cidr.ToUInt32(address));
    }
}
