namespace Sandbox.Client;

/// <summary>Egress policy (API-v1.md §6): <see cref="Egress"/> is none, allow_all or allow_list.</summary>
public sealed record NetworkPolicy(string Egress, IReadOnlyList<string>? Allow = null, IReadOnlyList<string>? Deny = null)
{
    public static NetworkPolicy None => new("none");
    public static NetworkPolicy AllowAll => new("allow_all");
    public static NetworkPolicy AllowList(params string[] allow) => new("allow_list", allow);
    public long? BytesSent { get; init; }
    public long? BytesReceived { get; init; }
}
