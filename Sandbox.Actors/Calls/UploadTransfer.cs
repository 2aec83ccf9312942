using System.IO.Pipelines;
using Sandbox.Actors.Runner;

namespace Sandbox.Actors.Calls;

/// <summary>A file arriving in chunks: they flow through a pipe into one runner write, which puts the
/// file in place whole when the last chunk is in (an abandoned upload leaves nothing behind).</summary>
public sealed class UploadTransfer : Transfer
{
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024));
    private readonly Task<FileEntry> _writing;

    public UploadTransfer(RunnerConnection runner, string path, int? mode, Action<Transfer> abandoned) : base(abandoned)
    {
        _writing = Task.Run(() => runner.WriteFileAsync(path, mode, _pipe.Reader.AsStream()));
    }

    /// <summary>Writes one chunk; with <paramref name="last"/>, waits for the file to be in place.</summary>
    public async Task<FileEntry?> TakeAsync(byte[] data, bool last)
    {
        if (_writing.IsFaulted) await _writing;   // the sandbox refused the file (disk full, bad path): say why now
        if (data.Length > 0)
        {
            var flush = _pipe.Writer.WriteAsync(data).AsTask();
            // the write may fail while the pipe is full: whichever ends first says what happened
            if (await Task.WhenAny(flush, _writing) == _writing && !flush.IsCompleted) await _writing;
            await flush;
        }
        if (!last) return null;
        await _pipe.Writer.CompleteAsync();
        return await _writing;
    }

    public override async ValueTask DisposeAsync()
    {
        await _pipe.Writer.CompleteAsync(new OperationCanceledException("the upload was abandoned"));
        try { await _writing; } catch { /* abandoned: the runner discards the partial file */ }
    }
}
