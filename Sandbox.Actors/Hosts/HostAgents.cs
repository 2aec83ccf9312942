using Akka.Actor;
using Akka.Cluster;

namespace Sandbox.Actors.Hosts;

/// <summary>
/// The one way to find and ask the sandbox hosts' agents (<see cref="HostAgent"/> at
/// <c>/user/host-agent</c> of every member with the sandbox-host role that is Up and reachable).
/// A host that does not answer within <see cref="Timeout"/> is left out: a slow or leaving host must
/// not hold up placement, listings or the admin API.
/// </summary>
public static class HostAgents
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>The addresses of the Up, reachable members with <paramref name="hostRole"/>.</summary>
    public static IReadOnlyList<Address> Members(ActorSystem system, string hostRole)
    {
        var state = Cluster.Get(system).State;
        return state.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole(hostRole) && !state.Unreachable.Contains(m))
            .Select(m => m.Address).ToList();
    }

    public static ActorSelection On(ActorSystem system, Address member) =>
        system.ActorSelection(new RootActorPath(member) / "user" / HostAgent.Name);

    /// <summary>The agents that answered, one per host.</summary>
    public static async Task<IReadOnlyList<HostAgentRef>> FindAsync(ActorSystem system, string hostRole)
    {
        var found = await Task.WhenAll(Members(system, hostRole).Select(async a =>
        {
            try { return new HostAgentRef(a, await On(system, a).ResolveOne(Timeout)); }
            catch (Exception) { return null; }
        }));
        return found.OfType<HostAgentRef>().ToList();
    }

    /// <summary>Asks the hosts' agents one after the other until one answers with a <typeparamref name="T"/>
    /// (for questions any host answers alike, such as the catalog's); null when none did.</summary>
    public static async Task<T?> AskAnyAsync<T>(ActorSystem system, string hostRole, object message) where T : class
    {
        foreach (var member in Members(system, hostRole).OrderBy(_ => Random.Shared.Next()))
        {
            try
            {
                if (await On(system, member).Ask<object>(message, Timeout) is T answer) return answer;
            }
            catch (Exception)
            {
                // slow or leaving: the next host may answer
            }
        }
        return null;
    }

    /// <summary>Asks every host's agent; the answers of those that replied in time, with their member.</summary>
    public static async Task<IReadOnlyList<(Address Member, T Answer)>> AskAllAsync<T>(ActorSystem system, string hostRole, object message)
        where T : class
    {
        var answers = await Task.WhenAll(Members(system, hostRole).Select(async a =>
        {
            try { return (a, await On(system, a).Ask<T>(message, Timeout)); }
            catch (Exception) { return (a, (T?)null); }
        }));
        return answers.Where(x => x.Item2 is not null).Select(x => (x.a, x.Item2!)).ToList();
    }
}
