namespace Sandbox.Actors.Runner;

/// <summary>A file being read out of the sandbox: its entry, and its bytes as a stream that pulls
/// them from the runner as it is read (credit flows back as it is consumed). Dispose it to give
/// the read up early.</summary>
public sealed class RunnerFileDownload : IAsyncDisposable
{
    private readonly FileReadRequest _request;
    private readonly RunnerConnection _connection;

    internal RunnerFileDownload(RunnerConnection connection, FileReadRequest request, FileEntry entry)
    {
        _connection = connection;
        _request = request;
        Entry = entry;
        Content = new RunnerDownloadStream(connection, request);
    }

    public FileEntry Entry { get; }
    public Stream Content { get; }

    public ValueTask DisposeAsync()
    {
        if (!_request.Ended) _request.Cancel();
        return ValueTask.CompletedTask;
    }
}
