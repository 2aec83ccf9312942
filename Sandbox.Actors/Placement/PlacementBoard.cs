using Sandbox.Core.Placement;
using Akka.Actor;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Placement;

/// <summary>
/// One per node: the latest <see cref="PlacementView"/> (kept fresh by <see cref="HostLoadMonitor"/>)
/// and the placements this node made since, so that a burst of creates spreads over the hosts
/// instead of all landing on the one that looked emptiest a second ago. Sessions ask it where a new
/// sandbox goes; the shard allocation strategy reads it to give new shards to hosts with room.
/// </summary>
public sealed class PlacementBoard : IExtension
{
    /// <summary>How many random ids to try for one that falls in the wanted shards (200 shards: a
    /// host holding one shard needs about 200 tries on average, microseconds each).</summary>
    private const int IdSearchLimit = 20_000;

    /// <summary>Where placements go while no host has reported: counted against the cluster caps all the same.</summary>
    public const string UnknownHost = "";

    private readonly object _gate = new();
    private PlacementView _view = PlacementView.Empty;
    private readonly Dictionary<string, int> _placedSinceView = new();
    /// <summary>Of those, the ones whose create has not been answered yet (they count as starting).</summary>
    private readonly Dictionary<string, int> _startingSinceView = new();

    public static PlacementBoard Get(ActorSystem system) => system.WithExtension<PlacementBoard, PlacementBoardProvider>();

    public PlacementView Current
    {
        get { lock (_gate) return _view; }
    }

    public void Update(PlacementView view)
    {
        lock (_gate)
        {
            _view = view;
            _placedSinceView.Clear();   // the hosts' own counts now include those creates
            _startingSinceView.Clear();
        }
    }

    /// <summary>
    /// Picks the host with the most free slots (not draining, not in <paramref name="excludedNodes"/>,
    /// not at its concurrent-create limit; a full host counts the sandboxes it could pause to make
    /// room, after every host with a free slot) and an id whose shard lives there. With no view yet, any id:
    /// the host it lands on still checks its own capacity. With <paramref name="near"/> (a fork's
    /// source), that sandbox's host goes first while it has a free slot and can start one: the fork's
    /// image is already on its disk, so the fork starts without reading the checkpoint store.
    /// </summary>
    public PlacementDecision Place(IReadOnlySet<string> excludedNodes, ClusterLimits limits, string? near = null)
    {
        lock (_gate)
        {
            var hosts = _view.Hosts;
            int Placed(HostLoad h) => _placedSinceView.GetValueOrDefault(h.Node);
            int Launching(HostLoad h) => _startingSinceView.GetValueOrDefault(h.Node);
            int Free(HostLoad h) => h.MaxSandboxes - h.Sandboxes - Placed(h);
            var total = hosts.Sum(h => h.Sandboxes) + _placedSinceView.Values.Sum();
            if (limits.MaxSandboxes > 0 && total >= limits.MaxSandboxes)
                return new PlacementDecision.Refused($"The cluster is at its limit of {limits.MaxSandboxes} sandboxes; try again when some have ended.", Busy: false);
            var starting = hosts.Sum(h => h.Starting) + _startingSinceView.Values.Sum();
            if (limits.MaxConcurrentCreates > 0 && starting >= limits.MaxConcurrentCreates)
                return new PlacementDecision.Refused($"Too many sandboxes are being created at once (cluster limit {limits.MaxConcurrentCreates}); try again shortly.", Busy: true);
            if (hosts.Count == 0)
            {
                // no host has reported yet: any id will do, and the host it lands on checks its own capacity
                Count(UnknownHost);
                return new PlacementDecision.Placed(SandboxIdentity.NewSandboxId(), UnknownHost);
            }

            // a full host with sandboxes it could pause still takes new ones (it pauses its least recently active)
            var open = hosts.Where(h => !h.Draining && !excludedNodes.Contains(h.Node) && h.Sandboxes + Placed(h) < h.MaxSandboxes + h.Pausable).ToList();
            var ready = open.Where(h => h.Starting + Launching(h) < h.MaxConcurrentStarts).ToList();
            if (ready.Count == 0)
            {
                if (open.Count > 0)
                    return new PlacementDecision.Refused("Every sandbox host with room is busy starting other sandboxes; try again shortly.", Busy: true);
                var used = hosts.Sum(h => h.Sandboxes);
                var capacity = hosts.Where(h => !h.Draining).Sum(h => h.MaxSandboxes);
                var draining = hosts.Count(h => h.Draining);
                return new PlacementDecision.Refused(
                    $"The cluster is full: every sandbox host is at capacity ({used} sandboxes running, capacity {capacity} on {hosts.Count - draining} host(s)" +
                    (draining > 0 ? $", {draining} draining" : "") + "). Try again when some have ended, or add hosts.", Busy: false) { ViewTakenAt = _view.TakenAtUtc };
            }

            var home = near is null ? null : ready.FirstOrDefault(h => h.Shards.Contains(PlacementView.ShardOf(near)));
            var best = home is not null && Free(home) > 0
                ? home
                : ready
                    .OrderByDescending(Free)
                    .ThenBy(h => h.Sandboxes + Placed(h))
                    .ThenBy(_ => Random.Shared.Next())
                    .First();
            Count(best.Node);
            return new PlacementDecision.Placed(IdFor(best, _view), best.Node);
        }
    }

    private void Count(string node)
    {
        _placedSinceView[node] = _placedSinceView.GetValueOrDefault(node) + 1;
        _startingSinceView[node] = _startingSinceView.GetValueOrDefault(node) + 1;
    }

    /// <summary>
    /// A host answered for <paramref name="sandboxId"/>: its shard lives there. The view learns it at
    /// once (it would a second later), so a create placed again never picks an id in that shard for
    /// another host, which would land on the same host again.
    /// </summary>
    public void Learned(string node, string sandboxId)
    {
        var shard = PlacementView.ShardOf(sandboxId);
        lock (_gate)
        {
            if (_view.Hosts.Count == 0) return;
            _view = _view with
            {
                Hosts = _view.Hosts.Select(h => h.Node == node
                    ? h with { Shards = h.Shards.Contains(shard) ? h.Shards : [.. h.Shards, shard] }
                    : h with { Shards = h.Shards.Where(x => x != shard).ToList() }).ToList(),
            };
        }
    }

    /// <summary>The create placed on <paramref name="node"/> was answered (started, failed or refused).</summary>
    public void Settled(string node)
    {
        lock (_gate)
            if (_startingSinceView.TryGetValue(node, out var n) && n > 0) _startingSinceView[node] = n - 1;
    }

    /// <summary>An id in one of the host's shards; for a host without shards yet, an id in a shard
    /// nobody holds (the allocation strategy gives new shards to the host with the most room).</summary>
    private static string IdFor(HostLoad host, PlacementView view)
    {
        IReadOnlySet<string> wanted = host.Shards.Count > 0
            ? host.Shards.ToHashSet()
            : Enumerable.Range(0, SandboxMessageExtractor.MaxShards).Select(i => i.ToString()).Except(view.AllocatedShards()).ToHashSet();
        if (wanted.Count == 0) return SandboxIdentity.NewSandboxId();
        for (var i = 0; i < IdSearchLimit; i++)
        {
            var id = SandboxIdentity.NewSandboxId();
            if (wanted.Contains(PlacementView.ShardOf(id))) return id;
        }
        return SandboxIdentity.NewSandboxId();
    }
}
