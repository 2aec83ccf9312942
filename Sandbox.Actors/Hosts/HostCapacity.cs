using System.Collections.Concurrent;

namespace Sandbox.Actors.Hosts;

/// <summary>
/// The sandbox slots of one host: every sandbox with a container here (or one being started or
/// restored) holds one. It is the authority on admission: gateways place new sandboxes by a view
/// that may be a second old, and this refuses what would overfill the host anyway, so the gateway
/// places the sandbox elsewhere. Restores are always admitted: a sandbox that exists must come back,
/// and it can only come back where its shard lives.
/// </summary>
public sealed class HostCapacity(int maxSandboxes, int maxConcurrentStarts)
{
    private readonly object _gate = new();
    /// <summary>Sandbox id → still starting.</summary>
    private readonly ConcurrentDictionary<string, bool> _slots = new();
    private volatile bool _draining;

    public int MaxSandboxes { get; } = Math.Max(1, maxSandboxes);
    public int MaxConcurrentStarts { get; } = Math.Max(1, maxConcurrentStarts);
    public int Occupied => _slots.Count;
    public int Starting => _slots.Count(s => s.Value);
    public bool Draining => _draining;
    public IReadOnlyList<string> SandboxIds => _slots.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Takes a slot for a new sandbox, or says why this host cannot take it.</summary>
    public AdmissionRefusal? TryAdmitNew(string sandboxId)
    {
        lock (_gate)
        {
            if (_slots.ContainsKey(sandboxId)) return null;
            if (_draining) return new("this host is draining and takes no new sandboxes", Busy: false);
            if (_slots.Count >= MaxSandboxes) return new($"this host is at its capacity of {MaxSandboxes} sandboxes", Busy: false);
            if (Starting >= MaxConcurrentStarts) return new($"this host is already starting {MaxConcurrentStarts} sandboxes (its limit of concurrent creates)", Busy: true);
            _slots[sandboxId] = true;
            return null;
        }
    }

    /// <summary>Takes a slot for a sandbox coming back from its checkpoint, even past the maximum.</summary>
    public void AdmitRestore(string sandboxId)
    {
        lock (_gate) _slots[sandboxId] = true;
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
        lock (_gate) _slots.TryRemove(sandboxId, out _);
    }

    /// <summary>From now on no new sandbox is admitted here (node drain, graceful leave).</summary>
    public void StartDraining() => _draining = true;
}
