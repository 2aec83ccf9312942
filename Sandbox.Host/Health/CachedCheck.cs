namespace Sandbox.Host.Health;

/// <summary>
/// A readiness check whose answer is reused for a short while: probes come every few seconds from
/// every load balancer and kubelet, and neither runsc nor the database should be hit for each one.
/// Concurrent callers share one run. Null means healthy, otherwise the problem in words.
/// </summary>
public sealed class CachedCheck(TimeSpan ttl, Func<CancellationToken, Task<string?>> check)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTime At, string? Problem)? _last;

    public async Task<string?> ProblemAsync(CancellationToken ct)
    {
        if (_last is { } l && DateTime.UtcNow - l.At < ttl) return l.Problem;
        await _gate.WaitAsync(ct);
        try
        {
            if (_last is { } again && DateTime.UtcNow - again.At < ttl) return again.Problem;
            string? problem;
            try { problem = await check(ct); }
            catch (Exception e) { problem = e.GetBaseException().Message; }
            _last = (DateTime.UtcNow, problem);
            return problem;
        }
        finally { _gate.Release(); }
    }
}
