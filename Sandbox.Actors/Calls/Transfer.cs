namespace Sandbox.Actors.Calls;

/// <summary>
/// An upload, download or watch that spans several calls. It lives on the sandbox's node between
/// them and is abandoned when its client stops calling for <see cref="IdleLimit"/> (or its container goes).
/// </summary>
public abstract class Transfer : IAsyncDisposable
{
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _idle = new();
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    protected Transfer(Action<Transfer> abandoned)
    {
        _idle.Token.Register(() => abandoned(this));
        _idle.CancelAfter(IdleLimit);
    }

    /// <summary>The index the next call must carry: calls of one transfer come one after the other.</summary>
    public long NextIndex { get; protected set; }

    /// <summary>Runs one call of the transfer (calls of a transfer never overlap) and restarts its idle clock.</summary>
    public async Task<T> UseAsync<T>(long index, Func<Task<T>> step)
    {
        await _oneAtATime.WaitAsync();
        try
        {
            if (index != NextIndex)
                throw new CallException(Core.Sandboxes.SandboxProtocol.ApiRefusal.BadRequest, $"This transfer expected part {NextIndex}, not part {index}; start it again.");
            var r = await step();
            NextIndex++;
            _idle.CancelAfter(IdleLimit);
            return r;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    public abstract ValueTask DisposeAsync();
}
