using Sandbox.Actors.Runner;

namespace Sandbox.Actors.Calls;

/// <summary>A file leaving in chunks: one runner read, consumed a chunk per call (the runner sends
/// only as far ahead as it is read).</summary>
public sealed class DownloadTransfer(RunnerFileDownload read, Action<Transfer> abandoned) : Transfer(abandoned)
{
    public FileEntry Entry => read.Entry;

    /// <summary>The next chunk of at most <paramref name="max"/> bytes; Last when the file has ended.</summary>
    public async Task<(byte[] Data, bool Last)> NextAsync(int max)
    {
        var buffer = new byte[max];
        var filled = 0;
        while (filled < max)
        {
            var n = await read.Content.ReadAsync(buffer.AsMemory(filled));
            if (n == 0) return (buffer[..filled], true);
            filled += n;
        }
        return (buffer, false);
    }

    public override ValueTask DisposeAsync() => read.DisposeAsync();
}
