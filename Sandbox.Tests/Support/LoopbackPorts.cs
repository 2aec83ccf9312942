using System.Net;
using System.Net.Sockets;

namespace Sandbox.Tests.Support;

/// <summary>
/// Ports for test servers that must be named before they bind (a node's PORT, its admin port).
/// Asking the kernel for port 0 and closing it again races with every outbound connection, which
/// draws from the same ephemeral range: a fresh-clone run once lost ClusterPlacementSpec's node to
/// "address already in use". So these come from below the ephemeral range, each handed out at most
/// once per test process, and are checked free before they are returned.
/// </summary>
public static class LoopbackPorts
{
    private const int Lowest = 20000;
    private static readonly int Highest = EphemeralRangeStart() - 1;
    private static int _next = Lowest + Random.Shared.Next(Highest - Lowest);

    public static int Reserve()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Lowest + (Interlocked.Increment(ref _next) - Lowest) % (Highest - Lowest + 1);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse) { }
        }
        throw new InvalidOperationException($"no free loopback port between {Lowest} and {Highest}");
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var first = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            return int.TryParse(first, out var start) && start > Lowest + 1000 ? start : 32768;
        }
        catch (IOException) { return 32768; }
    }
}
