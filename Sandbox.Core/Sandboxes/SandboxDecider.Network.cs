using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Core.Sandboxes;

/// <summary>The egress policy (API-v1.md §6): its default at create, and changes at any time.</summary>
public static partial class SandboxDecider
{
    /// <summary>What the operator of a node without networking is told (the API answers 409).</summary>
    public static string NetworkingOffDetail(SandboxNetworkPolicy p) =>
        $"Networking is off on this server (RUNSC_DISABLE_NETWORKING is not false), so only egress \"none\" is possible, not \"{p.Egress}\".";

    /// <summary>A create without a policy gets the node's default; a policy the node cannot give is refused.</summary>
    /// <returns>the settings to journal, or null when the create was refused</returns>
    private static SandboxSettings? NetworkOfCreate(DecisionBuilder d, CreateSandbox c, SandboxFacts f)
    {
        var policy = c.Settings.Network ?? SandboxNetworkPolicy.DefaultFor(f.Networking);
        if (!f.Networking && !policy.IsNone)
        {
            d.Send(c.Session, new SandboxRejected(SandboxStatus.CreationError, NetworkingOffDetail(policy), CloseCodes.ApplicationError));
            d.Do(new SandboxEffect.ReleaseSlot());
            Passivate(d);
            return null;
        }
        return c.Settings.Network is null ? c.Settings with { Network = policy } : c.Settings;
    }

    /// <summary>
    /// Journals the new policy and, while a container runs, applies it to the container's lease before
    /// answering, so the answer means "in force for new connections". A paused sandbox keeps it for
    /// its next restore (anywhere). Operations in flight defer the change (see the phases).
    /// </summary>
    private static void OnSetNetwork(DecisionBuilder d, SetSandboxNetwork n, ClientRef? from, SandboxFacts f)
    {
        var s = d.State;
        if (!f.Networking && !n.Policy.IsNone)
        {
            Refuse(d, from, ApiRefusal.Conflict, NetworkingOffDetail(n.Policy));
            return;
        }
        if (!Equals(s.Settings.Network, n.Policy)) d.Event(new NetworkPolicyChanged(n.Policy, f.Now));
        if (s.HasContainer)
        {
            Touch(d, f);
            d.Do(new SandboxEffect.ApplyNetworkPolicy(n.Policy));
        }
        Describe(d, from);
    }
}
