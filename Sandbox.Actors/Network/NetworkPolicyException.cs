namespace Sandbox.Actors.Network;

/// <summary>Why a policy was refused; the API answers 422 with the entry.</summary>
public enum NetworkPolicyError
{
    UnknownEgress,
    MalformedEntry,
    TooManyEntries,
    /// <summary><c>allow</c> entries with an egress other than <c>allow_list</c> (they would mean nothing).</summary>
    AllowWithoutAllowList,
    /// <summary>A policy other than <c>none</c> on a node whose networking is off (<c>RUNSC_DISABLE_NETWORKING</c>); the API answers 409.</summary>
    NetworkingDisabled,
}

/// <summary>A policy that cannot be applied: <see cref="Field"/> (<c>egress</c>, <c>allow</c>,
/// <c>deny</c>) and the offending <see cref="Entry"/> name what to fix.</summary>
public sealed class NetworkPolicyException(NetworkPolicyError error, string field, string? entry, string message) : Exception(message)
{
    public NetworkPolicyError Error { get; } = error;
    public string Field { get; } = field;
    public string? Entry { get; } = entry;
}
