namespace Sandbox.Actors.Network;

/// <summary>The lease was released (its sandbox ended): there is no network to change.</summary>
public sealed class NetworkLeaseReleasedException(string containerKey)
    : Exception($"the network of {containerKey} was released");
