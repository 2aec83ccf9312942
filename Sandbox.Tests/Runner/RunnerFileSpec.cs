using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;
using Sandbox.Tests.Support;
using Xunit.Abstractions;
using static Sandbox.Tests.Runner.RunnerTestKit;

namespace Sandbox.Tests.Runner;

/// <summary>Sandboxes whose writable layer holds a 1 GiB file.</summary>
public sealed class RoomySandboxes : RunnerSandboxes
{
    protected override ResourceLimits Limits => new() { DiskMb = 1400 };
}

/// <summary>Sandboxes with a disk of 64 MB, to fill.</summary>
public sealed class SmallDiskSandboxes : RunnerSandboxes
{
    protected override ResourceLimits Limits => new() { DiskMb = 64 };
}

/// <summary>Sandboxes whose root filesystem is read only (RUNSC_READONLY_FILESYSTEM).</summary>
public sealed class ReadOnlySandboxes : RunnerSandboxes
{
    protected override RunscOptions Customize(RunscOptions o) => o with { ReadonlyFilesystem = true };
}

/// <summary>A 1 GiB file through the runner, measured alone: the host's memory must stay flat.</summary>
[Collection(nameof(MemoryMeasuredCollection))]
public class RunnerLargeFileSpec(RoomySandboxes sandboxes, ITestOutputHelper output) : IClassFixture<RoomySandboxes>
{
    [Fact]
    public async Task A_1_GiB_file_streams_in_and_out_while_the_host_s_memory_stays_flat()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        const long size = 1L << 30;
        using var sampler = new RunnerFileSpec.MemorySampler();
        var upload = new RunnerFileSpec.PatternStream(size);
        var clock = Stopwatch.StartNew();
        var entry = await r.WriteFileAsync("/big/one.bin", null, upload);
        var up = clock.Elapsed;
        Assert.Equal(size, entry.Size);
        Assert.Equal(upload.Sha256Hex + "  /big/one.bin\n", await Run(r, "sha256sum /big/one.bin"));
        clock.Restart();
        await using var download = await r.OpenReadAsync("/big/one.bin");
        Assert.Equal(size, download.Entry.Size);
        using var sha = SHA256.Create();
        var buffer = new byte[128 * 1024];
        long got = 0;
        int n;
        while ((n = await download.Content.ReadAsync(buffer)) > 0)
        {
            sha.TransformBlock(buffer, 0, n, null, 0);
            got += n;
        }
        sha.TransformFinalBlock([], 0, 0);
        var down = clock.Elapsed;
        Assert.Equal(size, got);
        Assert.Equal(upload.Sha256Hex, Convert.ToHexStringLower(sha.Hash!));
        var (baseRss, peakRss) = sampler.Stop();
        output.WriteLine($"1 GiB: upload {size / up.TotalSeconds / 1e6:0} MB/s, download {size / down.TotalSeconds / 1e6:0} MB/s; " +
                         $"test process RSS {baseRss / 1e6:0} MB before, {peakRss / 1e6:0} MB at most");
        output.WriteLine($"live managed objects grew by {sampler.LiveGrowth / 1e6:0} MB at most");
        // what the host holds (live objects of the whole test process) stays far below the file's size;
        // resident memory also counts garbage not yet collected and heap not yet returned, so it is only printed
        Assert.True(sampler.LiveGrowth < 200_000_000, $"live memory grew by {sampler.LiveGrowth / 1e6:0} MB while 1 GiB passed");
        await r.DeleteAsync("/big", recursive: true);
    }

}

/// <summary>Files through the runner, against real gVisor sandboxes: what the API writes is what code
/// sees, big files stream, every bad path has its own error, watches see changes, nothing leaks.</summary>
public class RunnerFileSpec(RoomySandboxes sandboxes, SmallDiskSandboxes small, ReadOnlySandboxes readOnly, ITestOutputHelper output)
    : IClassFixture<RoomySandboxes>, IClassFixture<SmallDiskSandboxes>, IClassFixture<ReadOnlySandboxes>
{
    [Fact]
    public async Task Writing_to_a_read_only_filesystem_is_a_permission_error()
    {
        var c = await readOnly.StartAsync();
        var e = await Assert.ThrowsAsync<RunnerFileException>(() => c.Runner.WriteFileAsync("/etc/new.conf", null, new MemoryStream([1])));
        Assert.Equal(RunnerFileError.Permission, e.Kind);
        Assert.Equal(RunnerFileError.Permission, (await Assert.ThrowsAsync<RunnerFileException>(() => c.Runner.MkdirAsync("/opt/new"))).Kind);
        Assert.Equal(FileEntryType.File, (await c.Runner.StatAsync("/etc/hostname")).Type);
    }

    [Fact]
    public async Task A_written_file_is_what_code_in_the_sandbox_sees_and_reads_back_the_same()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        var entry = await r.WriteFileAsync("/data/sub/../sub/hello.txt", 0x180 /* 0600 */, new MemoryStream("héllo\n"u8.ToArray()));
        Assert.Equal(new { Path = "/data/sub/hello.txt", Type = FileEntryType.File, Size = 7L, Mode = 0x180 },
            new { entry.Path, entry.Type, entry.Size, entry.Mode });
        Assert.Equal("600 héllo\n", await Run(r, "printf '%s ' $(stat -c %a /data/sub/hello.txt); cat /data/sub/hello.txt"));
        await Run(r, "echo changed by code > /data/sub/hello.txt; ln -s hello.txt /data/sub/link");
        await using (var d = await r.OpenReadAsync("/data/sub/hello.txt"))
            Assert.Equal("changed by code\n", await new StreamReader(d.Content).ReadToEndAsync());
        var stat = await r.StatAsync("/data/sub/link");
        Assert.Equal(FileEntryType.Symlink, stat.Type);
        var made = await r.MkdirAsync("/data/a/b/c");
        Assert.Equal(FileEntryType.Directory, made.Type);
        var listing = await r.ListAsync("/data", depth: 3);
        Assert.False(listing.Truncated);
        Assert.Equal(["/data/a", "/data/sub", "/data/a/b", "/data/sub/hello.txt", "/data/sub/link", "/data/a/b/c"],
            listing.Entries.Select(e => e.Path));
        Assert.Equal(["/data/a", "/data/sub"], (await r.ListAsync("/data")).Entries.Select(e => e.Path));
        await r.DeleteAsync("/data/sub/link", recursive: false);
        await r.DeleteAsync("/data", recursive: true);
        Assert.Equal("gone\n", await Run(r, "test -e /data || echo gone"));
    }

    [Fact]
    public async Task Every_kind_of_bad_path_gets_its_own_typed_error()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        await Run(r, "mkdir -p /d/full && touch /d/file /d/full/x");
        async Task Is(RunnerFileError kind, Func<Task> call)
        {
            var e = await Assert.ThrowsAsync<RunnerFileException>(call);
            Assert.Equal(kind, e.Kind);
            Assert.False(string.IsNullOrWhiteSpace(e.Detail));
        }
        await Is(RunnerFileError.InvalidPath, () => r.StatAsync("relative/path"));
        await Is(RunnerFileError.InvalidPath, () => r.StatAsync(""));
        await Is(RunnerFileError.InvalidPath, () => r.StatAsync("/d/a\0b"));
        await Is(RunnerFileError.InvalidPath, () => r.WriteFileAsync("/d/" + new string('x', 5000), null, new MemoryStream()));
        await Is(RunnerFileError.InvalidPath, () => r.DeleteAsync("/", recursive: true));
        await Is(RunnerFileError.InvalidPath, () => r.DeleteAsync("/../..", recursive: true));
        await Is(RunnerFileError.NotFound, () => r.StatAsync("/d/missing"));
        await Is(RunnerFileError.NotFound, () => r.OpenReadAsync("/d/missing"));
        await Is(RunnerFileError.NotFound, () => r.DeleteAsync("/d/missing", recursive: false));
        await Is(RunnerFileError.NotFound, () => r.ListAsync("/d/missing"));
        await Is(RunnerFileError.NotFound, () => r.WatchAsync("/d/missing", recursive: false));
        await Is(RunnerFileError.IsDirectory, () => r.OpenReadAsync("/d"));
        await Is(RunnerFileError.IsDirectory, () => r.WriteFileAsync("/d/full", null, new MemoryStream([1])));
        await Is(RunnerFileError.NotDirectory, () => r.WriteFileAsync("/d/file/below", null, new MemoryStream([1])));
        await Is(RunnerFileError.NotDirectory, () => r.ListAsync("/d/file"));
        await Is(RunnerFileError.Exists, () => r.MkdirAsync("/d/file"));
        await Is(RunnerFileError.NotEmpty, () => r.DeleteAsync("/d/full", recursive: false));
        await Is(RunnerFileError.NotAFile, () => r.OpenReadAsync("/dev/null"));
        // nothing half-written is left of the refused writes
        Assert.Equal("file\nfull\n", await Run(r, "ls -A /d"));
    }

    [Fact]
    public async Task Filling_the_disk_is_a_no_space_error_naming_the_limit_and_leaves_no_partial_file()
    {
        var c = await small.StartAsync();
        var r = c.Runner;
        var e = await Assert.ThrowsAsync<RunnerFileException>(() => r.WriteFileAsync("/big.bin", null, new PatternStream(100L << 20)));
        Assert.Equal(RunnerFileError.NoSpace, e.Kind);
        Assert.Contains("SANDBOX_DISK_LIMIT_MB", e.Detail);
        Assert.Equal("", await Run(r, "ls -A / | grep -e big.bin -e upload || true"));
        Assert.Equal(1024 * 1024, (await r.WriteFileAsync("/after.bin", null, new PatternStream(1 << 20))).Size);
    }

    [Fact]
    public async Task A_recursive_watch_sees_files_and_directories_come_change_and_go()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        await r.MkdirAsync("/w");
        await using var watch = await r.WatchAsync("/w", recursive: true);
        await Run(r, "mkdir -p /w/a/b && echo one > /w/a/b/f && sleep 0.2 && echo two >> /w/a/b/f && rm /w/a/b/f && rmdir /w/a/b");
        var seen = new List<FileChange>();
        using var cts = new CancellationTokenSource(Patience);
        await foreach (var change in watch.WithCancellation(cts.Token))
        {
            seen.Add(change);
            if (change == new FileChange(FileChangeKind.Deleted, "/w/a/b")) break;
        }
        Assert.Contains(new FileChange(FileChangeKind.Created, "/w/a"), seen);
        Assert.Contains(new FileChange(FileChangeKind.Created, "/w/a/b/f"), seen);
        Assert.Contains(new FileChange(FileChangeKind.Modified, "/w/a/b/f"), seen);
        Assert.Contains(new FileChange(FileChangeKind.Deleted, "/w/a/b/f"), seen);
        var created = seen.FindIndex(x => x == new FileChange(FileChangeKind.Created, "/w/a/b/f"));
        Assert.True(created < seen.FindIndex(x => x == new FileChange(FileChangeKind.Deleted, "/w/a/b/f")));
    }

    [Fact]
    public async Task A_listing_stops_at_its_limit_and_says_so()
    {
        var c = await sandboxes.StartAsync(new RunnerConnectionOptions { MaxListEntries = 100 });
        var r = c.Runner;
        await Run(r, "mkdir /many && cd /many && touch $(seq -f f%04g 1 300)");
        var listing = await r.ListAsync("/many");
        Assert.True(listing.Truncated);
        Assert.Equal(100, listing.Entries.Count);
        Assert.Equal("/many/f0001", listing.Entries[0].Path);
    }

    [Fact]
    public async Task Streams_given_up_halfway_close_on_both_sides_and_leave_nothing_open_in_the_sandbox()
    {
        var c = await sandboxes.StartAsync();
        var r = c.Runner;
        await r.WriteFileAsync("/f.bin", null, new PatternStream(8 << 20));
        var p = await Sh(r, "yes | head -c 50000000; sleep 600");
        await r.MkdirAsync("/watched");
        await Task.Delay(500);
        var before = await r.DiagnosticsAsync();
        const string processes = "ls -d /proc/[0-9]* | wc -l";
        var processesBefore = await Run(r, processes);
        for (var i = 0; i < 20; i++)
        {
            await using (var d = await r.OpenReadAsync("/f.bin"))
                await d.Content.ReadExactlyAsync(new byte[1000]);
            await using (await r.WatchAsync("/watched", recursive: true)) { }
            using var cts = new CancellationTokenSource();
            await foreach (var rec in r.ReadOutputAsync(p.ProcessId, 0, follow: true, cts.Token))
                if (rec.Offset > 100_000) break;
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => r.WriteFileAsync("/partial.bin", null, new PatternStream(1L << 30), stop.Token));
        }
        await Task.Delay(500);
        var after = await r.DiagnosticsAsync();
        Assert.Equal(0, after.Channels);
        Assert.Equal(before.Descriptors, after.Descriptors);
        // (the writer's pipeline and the spare child may have ended meanwhile: fewer is fine, more is a leak;
        // a child that has just ended is reaped within moments, so a busy machine gets a few seconds)
        var processesAfter = int.Parse(await Run(r, processes));
        for (var wait = 0; wait < 20 && processesAfter > int.Parse(processesBefore); wait++)
        {
            await Task.Delay(250);
            processesAfter = int.Parse(await Run(r, processes));
        }
        Assert.True(processesAfter <= int.Parse(processesBefore), $"processes were left behind: {processesAfter} now, {processesBefore} before");
        Assert.Equal("", await Run(r, "ls -A / | grep -e partial -e upload || true"));
        await r.SignalAsync(p.ProcessId, RunnerSignal.Kill);
    }

    /// <summary>Deterministic pseudo-random bytes of a given length, hashed as they are read.</summary>
    internal sealed class PatternStream(long length) : Stream
    {
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private ulong _state = 0x9E3779B97F4A7C15;
        private long _position;
        private string? _hex;

        public string Sha256Hex => _hex ??= Convert.ToHexStringLower(_sha.GetHashAndReset());

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                _state ^= _state << 13;
                _state ^= _state >> 7;
                _state ^= _state << 17;
                buffer[offset + i] = (byte)_state;
            }
            _sha.AppendData(buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Samples this process's resident memory every 100 ms, and its live managed objects
    /// (after a full collection) every second: what the host really holds, whatever the GC has yet
    /// to collect or return to the system.</summary>
    internal sealed class MemorySampler : IDisposable
    {
        private readonly long _base = Rss();
        private readonly long _liveBase = GC.GetTotalMemory(true);
        private long _peak;
        private long _livePeak;
        private readonly Timer _timer;
        private readonly Timer _liveTimer;

        public MemorySampler()
        {
            _peak = _base;
            _livePeak = _liveBase;
            _timer = new Timer(_ => { var now = Rss(); if (now > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, now); }, null, 0, 100);
            _liveTimer = new Timer(_ => { var now = GC.GetTotalMemory(true); if (now > Interlocked.Read(ref _livePeak)) Interlocked.Exchange(ref _livePeak, now); }, null, 0, 1000);
        }

        public (long Base, long Peak) Stop()
        {
            _timer.Dispose();
            _liveTimer.Dispose();
            return (_base, Interlocked.Read(ref _peak));
        }

        /// <summary>How much the live managed objects grew at most.</summary>
        public long LiveGrowth => Interlocked.Read(ref _livePeak) - _liveBase;

        public void Dispose()
        {
            _timer.Dispose();
            _liveTimer.Dispose();
        }

        private static long Rss()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            return 0;
        }
    }
}
