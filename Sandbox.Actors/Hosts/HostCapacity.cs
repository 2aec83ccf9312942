using System.Collections.Concurrent;

namespace Sandbox.Actors.Hosts;

/// <summary>
/// The sandbox slots of one host: every sandbox with a container here (or one being started or
/// restored) holds one. It is the authority on admission: gateways place new sandboxes by a view
/// that may be a second old, and this refuses what would overfill the host anyway, so the gateway
/// places the sandbox elsewhere. Restores are always admitted: a sandbox that exists must come back,
/// and it can only come back where its shard lives.
/// <para>
/// The capacity is sized by memory (<see cref="HostSizing"/>), so a full host is one short of
/// memory. Before it refuses a new sandbox it makes room: it admits the newcomer and names its least
/// recently active sandbox that could be paused (checkpoints on, nothing attached or in flight), which
/// then pauses to the store and frees its memory. Live sandboxes are bounded by memory, paused ones
/// only by the store's disk. Each admission past the capacity consumes one such candidate, so the
/// host is over by at most the pauses in flight, each a few hundred milliseconds.
/// </para>
/// </summary>
public sealed class HostCapacity(int maxSandboxes, int maxConcurrentStarts)
{
    private readonly object _gate = new();
    /// <summary>Sandbox id → still starting.</summary>
    private readonly ConcurrentDictionary<string, bool> _slots = new();
    /// <summary>Sandboxes that could be paused to make room → when they were last active.</summary>
    private readonly Dictionary<string, DateTimeOffset> _pausable = new();
    /// <summary>Sandboxes asked to pause to make room that have not reported since.</summary>
    private readonly HashSet<string> _makingRoom = new();
    private volatile bool _draining;

    public int MaxSandboxes { get; } = Math.Max(1, maxSandboxes);
    public int MaxConcurrentStarts { get; } = Math.Max(1, maxConcurrentStarts);
    public int Occupied => _slots.Count;
    public int Starting => _slots.Count(s => s.Value);
    public bool Draining => _draining;
    public IReadOnlyList<string> SandboxIds => _slots.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Sandboxes this host could still pause to make room for a new one.</summary>
    public int Pausable
    {
        get { lock (_gate) return _pausable.Keys.Count(id => !_makingRoom.Contains(id)); }
    }

    /// <summary>Takes a slot for a new sandbox (naming the sandbox to pause when that took the host past
    /// its capacity), or says why this host cannot take it.</summary>
    public HostAdmission TryAdmitNew(string sandboxId)
    {
        lock (_gate)
        {
            if (_slots.ContainsKey(sandboxId)) return HostAdmission.Admitted;
            if (_draining) return new(new("this host is draining and takes no new sandboxes", Busy: false), null);
            var full = _slots.Count >= MaxSandboxes;
            var victim = full ? LeastRecentlyActive() : null;
            if (full && victim is null) return new(new($"this host is at its capacity of {MaxSandboxes} sandboxes", Busy: false), null);
            if (Starting >= MaxConcurrentStarts)
                return new(new($"this host is already starting {MaxConcurrentStarts} sandboxes (its limit of concurrent creates)", Busy: true), null);
            if (victim is not null) _makingRoom.Add(victim);
            _slots[sandboxId] = true;
            return new(null, victim);
        }
    }

    /// <summary>Takes a slot for a sandbox coming back from its checkpoint, even past the maximum; past
    /// it, the sandbox to pause to make room (if there is one).</summary>
    public string? AdmitRestore(string sandboxId)
    {
        lock (_gate)
        {
            var wasIn = _slots.ContainsKey(sandboxId);
            _slots[sandboxId] = true;
            if (wasIn || _slots.Count <= MaxSandboxes) return null;
            var victim = LeastRecentlyActive();
            if (victim is not null) _makingRoom.Add(victim);
            return victim;
        }
    }

    private string? LeastRecentlyActive() =>
        _pausable.Where(p => !_makingRoom.Contains(p.Key)).OrderBy(p => p.Value).Select(p => (string?)p.Key).FirstOrDefault();

    /// <summary>
    /// What a sandbox with a slot here reports after each decision: since when it has been idle if it
    /// could be paused to make room, else null. A report also ends a request to make room (it was
    /// decided: the sandbox is pausing, or busy again).
    /// </summary>
    public void Report(string sandboxId, DateTimeOffset? pausableSince)
    {
        lock (_gate)
        {
            if (pausableSince is { } since && _slots.ContainsKey(sandboxId)) _pausable[sandboxId] = since;
            else _pausable.Remove(sandboxId);
            _makingRoom.Remove(sandboxId);
        }
    }

    /// <summary>The sandbox's container runs: it no longer counts against concurrent starts.</summary>
    public void MarkRunning(string sandboxId)
    {
        lock (_gate)
            if (_slots.ContainsKey(sandboxId)) _slots[sandboxId] = false;
    }

    /// <summary>The sandbox has no container here any more (idempotent).</summary>
    public void Release(string sandboxId)
    {
        lock (_gate)
        {
            _slots.TryRemove(sandboxId, out _);
            _pausable.Remove(sandboxId);
            _makingRoom.Remove(sandboxId);
        }
    }

    /// <summary>From now on no new sandbox is admitted here (node drain, graceful leave).</summary>
    public void StartDraining() => _draining = true;
}
