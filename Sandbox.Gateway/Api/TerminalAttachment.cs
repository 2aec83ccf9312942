namespace Sandbox.Gateway.Api;

/// <summary>
/// A live terminal (WS …/processes/{pid}/attach): output records from an offset, and the way in
/// (stdin bytes and resizes). Dispose to let go; the process runs on.
/// </summary>
public interface ITerminalAttachment : IAsyncDisposable
{
    IAsyncEnumerable<OutputRecord> Output { get; }
    Task<ApiResult<Done>> WriteAsync(ReadOnlyMemory<byte> stdin, CancellationToken ct);
    Task<ApiResult<Done>> ResizeAsync(int cols, int rows, CancellationToken ct);
}
