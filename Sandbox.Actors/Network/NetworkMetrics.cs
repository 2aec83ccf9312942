using System.Diagnostics.Metrics;
using Sandbox.Actors.Telemetry;

namespace Sandbox.Actors.Network;

/// <summary>
/// Bytes forwarded for this node's sandboxes, summed over every sandbox of the node (meter
/// <c>Sandbox</c>, so the admin port's <c>/metrics</c> exports it as
/// <c>sandbox_network_bytes_total{direction="sent"|"received"}</c>); per sandbox it is on
/// <c>GET /v1/sandboxes/{id}</c> through <see cref="SandboxNetworks.UsageOf"/>. Released sandboxes'
/// bytes are kept in the sum so that the counter never goes down.
/// </summary>
public static class NetworkMetrics
{
    private static readonly Meter Meter = new(SandboxMetrics.MeterName, "1.0");
    private static readonly List<SandboxNetworks> Nodes = [];
    private static long _releasedSent, _releasedReceived;

    static NetworkMetrics()
    {
        Meter.CreateObservableCounter("sandbox.network.bytes", Observe, "By", "Bytes sandboxes sent and received beyond the node");
    }

    internal static void Register(SandboxNetworks networks) { lock (Nodes) Nodes.Add(networks); }
    internal static void Unregister(SandboxNetworks networks) { lock (Nodes) Nodes.Remove(networks); }

    internal static void Released(NetworkUsage usage)
    {
        Interlocked.Add(ref _releasedSent, usage.BytesSent);
        Interlocked.Add(ref _releasedReceived, usage.BytesReceived);
    }

    private static IEnumerable<Measurement<long>> Observe()
    {
        long sent = Interlocked.Read(ref _releasedSent), received = Interlocked.Read(ref _releasedReceived);
        SandboxNetworks[] nodes;
        lock (Nodes) nodes = Nodes.ToArray();
        foreach (var node in nodes)
        {
            try
            {
                foreach (var u in node.Usage().Values) { sent += u.BytesSent; received += u.BytesReceived; }
            }
            catch (Exception) { /* stopping: its sandboxes were counted at release */ }
        }
        return [new(sent, new KeyValuePair<string, object?>("direction", "sent")), new(received, new KeyValuePair<string, object?>("direction", "received"))];
    }
}
