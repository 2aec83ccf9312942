using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Sandbox.Actors.Runsc;

/// <summary>
/// Containers started ahead of demand on this node, so that a new sandbox (WebSocket /create or
/// HTTP /execute) gets one that is already running. Each container is handed out once and never
/// returns; the pool refills in the background. Containers are registered like any other, so a crash
/// leaves nothing that the next start does not sweep.
/// <para>
/// On a networked node every container starts in a network lease of its own made under policy
/// <c>none</c> (gVisor reads a sandbox's interfaces only when it starts), keyed by the container's
/// pool key: the sandbox that takes it finds the lease by that key and puts it under its policy.
/// </para>
/// </summary>
public sealed class WarmPool : IAsyncDisposable
{
    private readonly RunscCli _runsc;
    private readonly ContainerRegistry _registry;
    private readonly TimeSpan _startTimeout;
    private readonly ILogger _log;
    private readonly Network.SandboxNetworks? _networks;
    private readonly ConcurrentQueue<SandboxContainer> _ready = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _refill = new(1, 1);
    private int _starting;
    private readonly WarmPoolSizing _sizing;
    private readonly Func<int> _freeSlots;
    /// <summary>When creates asked for a container (hit or miss), oldest first: what the pool sizes itself by.</summary>
    private readonly List<DateTime> _creates = [];
    private int _trimming;

    /// <summary>The size the pool keeps when creates come one at a time.</summary>
    public int Size => _sizing.Base;
    /// <summary>The size it keeps now, grown by recent bursts of creates (<see cref="WarmPoolSizing"/>).</summary>
    public int Target
    {
        get
        {
            lock (_creates)
            {
                var now = DateTime.UtcNow;
                _creates.RemoveAll(t => !WarmPoolSizing.Remembered(t, now));
                return _sizing.Target(_creates, now, _freeSlots());
            }
        }
    }
    public int Available => _ready.Count;
    /// <summary>The keys of the containers waiting to be taken.</summary>
    public IReadOnlyList<string> WaitingKeys => _ready.Select(c => c.ContainerKey).ToList();

    /// <param name="sizing">its base size and how far bursts of creates may grow it</param>
    /// <param name="freeSlots">sandboxes the host could still take: the pool never grows past them</param>
    public WarmPool(RunscCli runsc, ContainerRegistry registry, WarmPoolSizing sizing, Func<int> freeSlots, TimeSpan startTimeout, ILogger log,
        Network.SandboxNetworks? networks = null)
    {
        _networks = networks;
        _runsc = runsc;
        _registry = registry;
        _sizing = sizing;
        _freeSlots = freeSlots;
        _startTimeout = startTimeout;
        _log = log;
    }

    /// <summary>A sensible default for this machine: two warm sandboxes per core, at most eight.</summary>
    public static int DefaultSize => Math.Clamp(Environment.ProcessorCount * 2, 1, 8);

    public void Start() => _ = RefillAsync();

    /// <summary>A running container that nobody else will ever get, or null when the pool is empty.</summary>
    public SandboxContainer? TryTake()
    {
        lock (_creates) _creates.Add(DateTime.UtcNow);
        if (_sizing.Max > _sizing.Base && Interlocked.Exchange(ref _trimming, 1) == 0) _ = TrimAsync();
        while (_ready.TryDequeue(out var c))
        {
            _ = RefillAsync();
            if (!c.Exited.IsCompleted && !c.Runner.Ended.IsCompleted) return c;
            _ = DestroyAsync(c);   // died while waiting: never hand out a dead one
        }
        _ = RefillAsync();
        return null;
    }

    private async Task RefillAsync()
    {
        if (_stop.IsCancellationRequested || !await _refill.WaitAsync(0)) return;
        try
        {
            var failures = 0;
            while (!_stop.IsCancellationRequested && _ready.Count + _starting < Target)
            {
                var key = "pool-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
                Interlocked.Increment(ref _starting);
                try
                {
                    _registry.Add(key);
                    if (_networks is not null) await _networks.AttachAsync(key, Network.NetworkPolicy.None, _stop.Token);
                    var c = await SandboxContainer.StartAsync(_runsc, key, _startTimeout, _stop.Token);
                    if (_stop.IsCancellationRequested) { await DestroyAsync(c); return; }
                    _ready.Enqueue(c);
                    failures = 0;
                }
                catch (Exception e) when (!_stop.IsCancellationRequested)
                {
                    _registry.Remove(key);
                    if (_networks?.Find(key) is { } lease) await _networks.ReleaseAsync(lease);
                    _log.LogWarning("Warm pool could not start a container: {Reason}", e.Message);
                    // back off instead of spinning on a broken runsc or rootfs
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Min(++failures, 5))), _stop.Token).ContinueWith(_ => { });
                }
                finally
                {
                    Interlocked.Decrement(ref _starting);
                }
            }
        }
        finally
        {
            _refill.Release();
        }
    }

    /// <summary>
    /// Started by a create (one at a time): every 30 s, containers beyond the target are removed (the
    /// oldest first); it ends at the first check that finds the pool back at its base size, so a node
    /// without creates runs none of it.
    /// </summary>
    private async Task TrimAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), _stop.Token).ContinueWith(_ => { });
                if (_stop.IsCancellationRequested) return;
                var target = Target;
                while (_ready.Count > target && _ready.TryDequeue(out var surplus)) await DestroyAsync(surplus);
                if (target <= _sizing.Base) return;
            }
        }
        catch (Exception e) { _log.LogWarning("Warm pool could not remove a surplus container: {Reason}", e.Message); }
        finally
        {
            Volatile.Write(ref _trimming, 0);
        }
    }

    private async Task DestroyAsync(SandboxContainer c)
    {
        await c.DestroyAsync();
        if (_networks?.Find(c.ContainerKey) is { } lease) await _networks.ReleaseAsync(lease);
        _registry.Remove(c.ContainerKey);
    }

    /// <summary>Stops refilling and removes every container still waiting in the pool.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _refill.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = new List<Task>();
        while (_ready.TryDequeue(out var c)) waiting.Add(DestroyAsync(c));
        await Task.WhenAll(waiting);
    }
}
