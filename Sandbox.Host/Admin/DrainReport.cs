using Sandbox.Actors.Hosts;
using Akka;
using Akka.Actor;
using Akka.Cluster;
using Sandbox.Host.Configuration;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Host.Admin;

/// <summary>
/// What became of a drained node's sandboxes, found out while the node is still a member: a
/// coordinated-shutdown task in the cluster-leave phase (after sharding's hand-off, before the node
/// exits) asks a host that stays for each sandbox. Later the node's remoting is gone and no answer
/// could reach it.
/// </summary>
public sealed class DrainReport
{
    public sealed record Outcome(string Id, string State, string? Node);

    private (IReadOnlyList<string> Ids, TaskCompletionSource<IReadOnlyList<Outcome>> Done)? _pending;

    /// <summary>Registers the task; it does nothing unless a drain is in progress.</summary>
    public DrainReport(AdminContext admin)
    {
        CoordinatedShutdown.Get(admin.System).AddTask(CoordinatedShutdown.PhaseClusterLeave, "report-drained-sandboxes", async () =>
        {
            if (_pending is { } p) p.Done.TrySetResult(await AskSurvivors(admin, p.Ids, DateTime.UtcNow.AddSeconds(15)));
            return Done.Instance;
        });
    }

    /// <summary>The outcomes of <paramref name="ids"/>, available once the hand-off is over.</summary>
    public Task<IReadOnlyList<Outcome>> Expect(IReadOnlyList<string> ids)
    {
        var done = new TaskCompletionSource<IReadOnlyList<Outcome>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending = (ids, done);
        return done.Task;
    }

    private static async Task<IReadOnlyList<Outcome>> AskSurvivors(AdminContext a, IReadOnlyList<string> ids, DateTime deadline)
    {
        var self = a.Cluster.SelfAddress;
        var survivors = a.Cluster.State.Members.Where(m => m.Address != self && m.Status == MemberStatus.Up && m.HasRole(NodeRoles.SandboxHost)).Select(m => m.Address).ToList();
        var outcomes = await Task.WhenAll(ids.Select(async id =>
        {
            var info = survivors.Count == 0 ? null : await AskElsewhere(a, survivors, id, deadline);
            return new Outcome(id, info?.State ?? "unknown", info?.Node);
        }));
        return outcomes;
    }

    /// <summary>The sandbox's state through another host's region (which finds the shard's new home), retried while it moves.</summary>
    private static async Task<SandboxInfo?> AskElsewhere(AdminContext a, IReadOnlyList<Address> survivors, string id, DateTime deadline)
    {
        for (var attempt = 0; DateTime.UtcNow < deadline; attempt++)
        {
            try { return await a.RegionOn(survivors[attempt % survivors.Count]).Ask<SandboxInfo>(new GetSandboxInfo(id), TimeSpan.FromSeconds(4)); }
            catch (Exception) { await Task.Delay(300); }
        }
        return null;
    }
}
