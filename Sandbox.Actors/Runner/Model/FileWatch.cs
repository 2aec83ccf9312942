namespace Sandbox.Actors.Runner;

/// <summary>An established watch: every change after <see cref="RunnerConnection.WatchAsync"/> returned is
/// in it. Enumerate it for the changes; dispose it (or cancel the enumeration) to stop watching.</summary>
public sealed class FileWatch : IAsyncEnumerable<FileChange>, IAsyncDisposable
{
    private readonly RunnerConnection _connection;
    private readonly WatchRequest _request;

    internal FileWatch(RunnerConnection connection, WatchRequest request)
    {
        _connection = connection;
        _request = request;
    }

    public async IAsyncEnumerator<FileChange> GetAsyncEnumerator(CancellationToken ct = default)
    {
        try
        {
            await foreach (var (change, cost) in _request.Changes.ReadAllAsync(ct))
            {
                yield return change;
                _connection.ReturnCredit(_request.ChannelId, _request.Credit, cost);
            }
        }
        finally
        {
            if (!_request.Ended) _request.Cancel();
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_request.Ended) _request.Cancel();
        return ValueTask.CompletedTask;
    }
}
