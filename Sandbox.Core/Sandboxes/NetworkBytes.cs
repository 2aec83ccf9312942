namespace Sandbox.Core.Sandboxes;

/// <summary>Bytes a sandbox sent and received beyond its node.</summary>
public readonly record struct NetworkBytes(long Sent, long Received)
{
    public static NetworkBytes operator +(NetworkBytes a, NetworkBytes b) => new(a.Sent + b.Sent, a.Received + b.Received);
}
