namespace Sandbox.Actors.Network;

/// <summary>Bytes a sandbox sent to and received from beyond the node (IP packets forwarded for it,
/// counted by nftables; its DNS queries to the node's forwarder are not included).</summary>
public readonly record struct NetworkUsage(long BytesSent, long BytesReceived);
