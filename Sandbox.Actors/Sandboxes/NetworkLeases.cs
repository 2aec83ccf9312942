using Sandbox.Actors.Network;
using Sandbox.Actors.Runsc;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// The network lease of one sandbox's container, for <see cref="SandboxEffects"/>: taken before a
/// container starts or is restored (a warm-pool container brings its own, made under <c>none</c>),
/// put under the journaled policy, and released on every way a container goes (delete, expiry,
/// failure, checkpoint, actor stop). A lease never travels: every restore, here or on another node,
/// takes a new one. Does nothing on a node without networking.
/// </summary>
public sealed class NetworkLeases(SandboxNetworks? networks, Action<string> warn)
{
    private NetworkLease? _lease;

    public bool Enabled => networks is not null;

    /// <summary>The policy the node enforces for a journaled one (null: the node's default). The
    /// gateway validated it; a journal entry that no longer parses is enforced as <c>none</c>.</summary>
    public NetworkPolicy PolicyOf(SandboxNetworkPolicy? p)
    {
        p ??= SandboxNetworkPolicy.DefaultFor(Enabled);
        try { return NetworkPolicy.Parse(p.Egress, p.Allow, p.Deny); }
        catch (NetworkPolicyException e)
        {
            warn($"the journaled network policy '{p.Describe()}' is not valid ({e.Message}); enforcing none");
            return NetworkPolicy.None;
        }
    }

    /// <summary>Runs <paramref name="launch"/> (a runsc start or restore of <paramref name="containerKey"/>)
    /// in a fresh lease under <paramref name="policy"/>; the lease is released if the launch fails.</summary>
    public async Task<(T Result, NetworkLease? Lease)> LaunchAsync<T>(string containerKey, SandboxNetworkPolicy? policy, Func<Task<T>> launch)
    {
        if (networks is null) return (await launch(), null);
        var lease = await networks.AttachAsync(containerKey, PolicyOf(policy));
        try
        {
            return (await launch(), lease);
        }
        catch
        {
            await networks.ReleaseAsync(lease);
            throw;
        }
    }

    /// <summary>A warm-pool container's lease (made under <c>none</c>): now the sandbox's, under its policy.</summary>
    public void AdoptPoolLease(string containerKey, SandboxNetworkPolicy? policy)
    {
        if (networks?.Find(containerKey) is not { } lease) return;
        Own(lease);
        Apply(policy);
    }

    /// <summary>The container that now runs came with <paramref name="lease"/>; one held before is released.</summary>
    public void Own(NetworkLease? lease)
    {
        var old = Interlocked.Exchange(ref _lease, lease);
        if (old is not null && !ReferenceEquals(old, lease)) _ = networks!.ReleaseAsync(old);
    }

    /// <summary>Puts the current lease under <paramref name="policy"/> at once (nftables is synchronous).</summary>
    public void Apply(SandboxNetworkPolicy? policy)
    {
        if (networks is null || Volatile.Read(ref _lease) is not { } lease) return;
        try { networks.ApplyAsync(lease, PolicyOf(policy)).GetAwaiter().GetResult(); }
        catch (NetworkLeaseReleasedException) { /* its container is going: nothing to change */ }
        catch (NftablesException e) { warn($"applying the network policy failed: {e.Message}"); }
    }

    /// <summary>A restore on the spot after a failed checkpoint: runsc takes the addresses of the namespace
    /// it restores into, and the old one's were handed to the netstack that just stopped, so a new lease.</summary>
    public async Task RenewAsync(string containerKey, SandboxNetworkPolicy? policy)
    {
        if (networks is null) return;
        Own(await networks.AttachAsync(containerKey, PolicyOf(policy)));
    }

    /// <summary>Bytes of the current lease, or null without one.</summary>
    public NetworkUsage? Usage()
    {
        if (networks is null || Volatile.Read(ref _lease) is not { } lease) return null;
        try { return networks.UsageOf(lease); }
        catch (Exception e) when (e is NftablesException or ObjectDisposedException) { return null; }
    }

    /// <summary>The description with the current lease's bytes added to those of the sandbox's earlier runs.</summary>
    public object WithUsage(SandboxProtocol.SandboxDescription d) =>
        Usage() is { } u
            ? d with { Summary = d.Summary with { NetworkBytesSent = (d.Summary.NetworkBytesSent ?? 0) + u.BytesSent, NetworkBytesReceived = (d.Summary.NetworkBytesReceived ?? 0) + u.BytesReceived } }
            : d;

    /// <summary>The current lease's bytes as the core counts them (zero without a lease).</summary>
    public NetworkBytes LeaseBytes() => Usage() is { } u ? new NetworkBytes(u.BytesSent, u.BytesReceived) : default;

    /// <summary>Gives up the current lease (its container is gone or going); completes when it is removed.</summary>
    public Task ReleaseAsync()
    {
        var lease = Interlocked.Exchange(ref _lease, null);
        return lease is null ? Task.CompletedTask : networks!.ReleaseAsync(lease);
    }
}
