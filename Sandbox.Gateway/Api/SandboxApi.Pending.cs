namespace Sandbox.Gateway.Api;

/// <summary>The calls whose sandbox side is still being built (fork, network, files, processes):
/// they say so (REST answers 501) instead of pretending.</summary>
public sealed partial class SandboxApi
{
    private static NotImplementedException NotYet(string what) => new($"{what} is not available on this server yet.");

    public Task<ApiResult<FileEntryView>> WriteFileAsync(Caller caller, string sandboxId, string path, int? mode, Stream content, CancellationToken ct) => throw NotYet("Files");
    public Task<ApiResult<FileDownload>> ReadFileAsync(Caller caller, string sandboxId, string path, CancellationToken ct) => throw NotYet("Files");
    public Task<ApiResult<IReadOnlyList<FileEntryView>>> ListFilesAsync(Caller caller, string sandboxId, string path, int depth, CancellationToken ct) => throw NotYet("Files");
    public Task<ApiResult<FileEntryView>> StatFileAsync(Caller caller, string sandboxId, string path, CancellationToken ct) => throw NotYet("Files");
    public Task<ApiResult<Done>> MakeDirectoryAsync(Caller caller, string sandboxId, string path, CancellationToken ct) => throw NotYet("Files");
    public Task<ApiResult<Done>> DeleteFileAsync(Caller caller, string sandboxId, string path, bool recursive, CancellationToken ct) => throw NotYet("Files");
    public Task<ApiResult<IAsyncEnumerable<FileChangeView>>> WatchAsync(Caller caller, string sandboxId, string path, bool recursive, CancellationToken ct) => throw NotYet("Files");
    public Task<ApiResult<ProcessView>> StartProcessAsync(Caller caller, string sandboxId, ProcessRequest request, CancellationToken ct) => throw NotYet("Processes");
    public Task<ApiResult<IReadOnlyList<ProcessView>>> ListProcessesAsync(Caller caller, string sandboxId, CancellationToken ct) => throw NotYet("Processes");
    public Task<ApiResult<ProcessView>> GetProcessAsync(Caller caller, string sandboxId, string processId, CancellationToken ct) => throw NotYet("Processes");
    public Task<ApiResult<IAsyncEnumerable<OutputRecord>>> ReadOutputAsync(Caller caller, string sandboxId, string processId, long offset, bool follow, CancellationToken ct) => throw NotYet("Processes");
    public Task<ApiResult<Done>> WriteStdinAsync(Caller caller, string sandboxId, string processId, Stream data, bool eof, CancellationToken ct) => throw NotYet("Processes");
    public Task<ApiResult<Done>> SignalAsync(Caller caller, string sandboxId, string processId, string signal, CancellationToken ct) => throw NotYet("Processes");
    public Task<ApiResult<Done>> ResizeAsync(Caller caller, string sandboxId, string processId, int cols, int rows, CancellationToken ct) => throw NotYet("Processes");
    public Task<ApiResult<ITerminalAttachment>> AttachTerminalAsync(Caller caller, string sandboxId, string processId, long offset, CancellationToken ct) => throw NotYet("Terminals");
}
