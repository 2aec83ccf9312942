namespace Sandbox.Actors.Network;

/// <summary>A rate limit: <c>rate</c> per second on average, bursts up to <c>burst</c>.</summary>
internal sealed class TokenBucket
{
    private readonly double _rate;
    private readonly double _burst;
    private readonly Func<long> _clock;
    private double _tokens;
    private long _last;

    public TokenBucket(double rate, double burst, Func<long>? clock = null)
    {
        _rate = rate;
        _burst = burst;
        _clock = clock ?? (() => Environment.TickCount64);
        _tokens = burst;
        _last = _clock();
    }

    public bool TryTake()
    {
        lock (this)
        {
            var now = _clock();
            _tokens = Math.Min(_burst, _tokens + (now - _last) * _rate / 1000.0);
            _last = now;
            if (_tokens < 1) return false;
            _tokens -= 1;
            return true;
        }
    }
}
