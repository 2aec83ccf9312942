namespace Sandbox.Actors.Network;

/// <summary>What a sandbox may reach (API-v1 §6 <c>egress</c>). The always-denied ranges hold in every mode.</summary>
public enum NetworkEgress
{
    /// <summary><c>none</c>: nothing but the sandbox's own loopback.</summary>
    None,
    /// <summary><c>allow_all</c>: everything except the always-denied ranges and the policy's <c>deny</c>.</summary>
    AllowAll,
    /// <summary><c>allow_list</c>: only the listed CIDRs and the addresses the sandbox's own lookups of
    /// the listed names returned (for their TTL), minus <c>deny</c>.</summary>
    AllowList,
}

public static class NetworkEgressNames
{
    public const string None = "none";
    public const string AllowAll = "allow_all";
    public const string AllowList = "allow_list";

    public static string ToWire(this NetworkEgress egress) => egress switch
    {
        NetworkEgress.None => None,
        NetworkEgress.AllowAll => AllowAll,
        NetworkEgress.AllowList => AllowList,
        _ => throw new ArgumentOutOfRangeException(nameof(egress), egress, null),
    };

    public static bool TryParse(string? wire, out NetworkEgress egress)
    {
        switch (wire)
        {
            case None: egress = NetworkEgress.None; return true;
            case AllowAll: egress = NetworkEgress.AllowAll; return true;
            case AllowList: egress = NetworkEgress.AllowList; return true;
            default: egress = default; return false;
        }
    }
}
