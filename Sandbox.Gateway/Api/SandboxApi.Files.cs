using System.Runtime.CompilerServices;
using Sandbox.Core.Calls;
using static Sandbox.Core.Calls.SandboxCalls;

namespace Sandbox.Gateway.Api;

/// <summary>Files (API-v1 §3): bodies go in and out as chunks, one call each, so nothing holds a whole
/// file and each chunk waits for the sandbox to take the last (backpressure end to end).</summary>
public sealed partial class SandboxApi
{
    public async Task<ApiResult<FileEntryView>> WriteFileAsync(Caller caller, string sandboxId, string path, int? mode, Stream content, CancellationToken ct)
    {
        if (CheckPath(path) is { } bad) return bad;
        var access = AccessOf(caller);
        var uploadId = Guid.NewGuid().ToString("N");
        var buffer = new byte[ChunkBytes];
        var finished = false;
        try
        {
            for (long index = 0; ; index++)
            {
                var n = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
                var last = n < buffer.Length;
                var chunk = new WriteFileChunk(sandboxId, access, uploadId, index, path, mode, buffer[..n], last);
                if (!last)
                {
                    var taken = await CallAsync<CallReplies.ChunkTaken>(chunk, ct);
                    if (!taken.Ok)
                    {
                        finished = true;   // the sandbox ended the upload with its refusal
                        return Audited("file.write", caller, sandboxId, (ApiResult<FileEntryView>)taken.Error);
                    }
                    continue;
                }
                var file = await CallAsync<CallReplies.File>(chunk, ct);
                finished = true;
                return Audited("file.write", caller, sandboxId, file.Map(f => View(f.Entry)));
            }
        }
        finally
        {
            if (!finished) Notify(new EndTransfer(sandboxId, access, uploadId));   // the client left mid-upload
        }
    }

    public async Task<ApiResult<FileDownload>> ReadFileAsync(Caller caller, string sandboxId, string path, CancellationToken ct)
    {
        if (CheckPath(path) is { } bad) return bad;
        var access = AccessOf(caller);
        var downloadId = Guid.NewGuid().ToString("N");
        var first = await CallAsync<CallReplies.FileChunk>(new ReadFileChunk(sandboxId, access, downloadId, 0, path), ct);
        if (!first.Ok) return first.Error;
        var stream = new ChunkedDownloadStream(first.Value.Data, first.Value.Last,
            (index, t) => NextChunkAsync(new ReadFileChunk(sandboxId, access, downloadId, index, path), t),
            () => Notify(new EndTransfer(sandboxId, access, downloadId)));
        return new FileDownload(View(first.Value.Entry), stream);
    }

    private async Task<(byte[] Data, bool Last)> NextChunkAsync(ReadFileChunk call, CancellationToken ct)
    {
        var r = await CallAsync<CallReplies.FileChunk>(call, ct);
        if (!r.Ok) throw new ApiStreamException(r.Error);
        return (r.Value.Data, r.Value.Last);
    }

    public async Task<ApiResult<IReadOnlyList<FileEntryView>>> ListFilesAsync(Caller caller, string sandboxId, string path, int depth, CancellationToken ct)
    {
        if (CheckPath(path) is { } bad) return bad;
        var r = await CallAsync<CallReplies.Files>(new ListFiles(sandboxId, AccessOf(caller), path, depth), ct);
        return r.Map(f => (IReadOnlyList<FileEntryView>)f.Entries.Select(View).ToList());
    }

    public async Task<ApiResult<FileEntryView>> StatFileAsync(Caller caller, string sandboxId, string path, CancellationToken ct)
    {
        if (CheckPath(path) is { } bad) return bad;
        return (await CallAsync<CallReplies.File>(new StatFile(sandboxId, AccessOf(caller), path), ct)).Map(f => View(f.Entry));
    }

    public async Task<ApiResult<Done>> MakeDirectoryAsync(Caller caller, string sandboxId, string path, CancellationToken ct)
    {
        if (CheckPath(path) is { } bad) return bad;
        return (await CallAsync<CallReplies.File>(new MakeDirectory(sandboxId, AccessOf(caller), path), ct)).Map(_ => Done.Instance);
    }

    public async Task<ApiResult<Done>> DeleteFileAsync(Caller caller, string sandboxId, string path, bool recursive, CancellationToken ct)
    {
        if (CheckPath(path) is { } bad) return bad;
        var r = await CallAsync<CallReplies.Done>(new DeleteFile(sandboxId, AccessOf(caller), path, recursive), ct);
        return Audited("file.delete", caller, sandboxId, r.Map(_ => Done.Instance));
    }

    public async Task<ApiResult<IAsyncEnumerable<FileChangeView>>> WatchAsync(Caller caller, string sandboxId, string path, bool recursive, CancellationToken ct)
    {
        if (CheckPath(path) is { } bad) return bad;
        var access = AccessOf(caller);
        var watchId = Guid.NewGuid().ToString("N");
        // answered once the watch is established: every change after this returns is seen
        var opened = await CallAsync<CallReplies.Changes>(new PollWatch(sandboxId, access, watchId, 0, path, recursive), ct);
        if (!opened.Ok) return opened.Error;
        return ApiResult<IAsyncEnumerable<FileChangeView>>.Of(Changes(new PollWatch(sandboxId, access, watchId, 1, path, recursive), ct));
    }

    private async IAsyncEnumerable<FileChangeView> Changes(PollWatch poll, [EnumeratorCancellation] CancellationToken ct)
    {
        try
        {
            for (var index = poll.Index; !ct.IsCancellationRequested; index++)
            {
                var r = await CallAsync<CallReplies.Changes>(poll with { Index = index }, ct);
                if (!r.Ok) throw new ApiStreamException(r.Error);
                foreach (var c in r.Value.Items) yield return new FileChangeView(c.Type, c.Path);
            }
        }
        finally
        {
            Notify(new EndTransfer(poll.SandboxId, poll.Access, poll.WatchId));
        }
    }

    private static FileEntryView View(FileFacts f) => new(f.Name, f.Path, f.Type, f.Size, f.Mode, f.ModifiedAt);
}
