using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Akka;
using Akka.IO;
using Akka.Streams.Dsl;
using Akka.Util;
using Sandbox.Actors.Runner;

namespace Sandbox.Actors.Runsc;

/// <summary>runsc refused or failed; the message is runsc's own reason.</summary>
public sealed class RunscException(string message) : Exception(message);

/// <summary>
/// One running gVisor container whose first process is the resident runner. The host holds the
/// runner's stdin and stdout (the only host descriptors inside the sandbox) and speaks frames over
/// them; everything else, including each execution's pipes, lives inside the sandbox.
/// </summary>
public sealed class SandboxContainer
{
    private readonly RunscCli _cli;
    private readonly Process _run;
    private readonly Stream _fromRunner;
    private readonly Channel<byte[]> _toRunner = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly StringBuilder _stderrTail = new();
    private readonly List<RunnerFrame> _pending = [];
    private int _destroyed;

    public string ContainerKey { get; }
    public OciBundle Bundle { get; }
    /// <summary>Completes with the exit code of the `runsc run` process, i.e. when the sandbox is gone.</summary>
    public Task<int> Exited { get; }

    private SandboxContainer(RunscCli cli, OciBundle bundle, Process run)
    {
        _cli = cli;
        Bundle = bundle;
        ContainerKey = bundle.ContainerKey;
        _run = run;
        _fromRunner = run.StandardOutput.BaseStream;
        Exited = WaitForExit();
        _ = PumpToRunner(run.StandardInput.BaseStream);
        _ = CollectStderr(run.StandardError);
    }

    /// <summary>Prepares the bundle (optionally seeding its writable layer from a snapshot), runs the
    /// container and waits until the runner says it is ready.</summary>
    public static async Task<SandboxContainer> StartAsync(RunscCli cli, string containerKey, TimeSpan timeout, CancellationToken ct,
        Func<string, Task>? seedUpperDir = null)
    {
        var bundle = new OciBundle(cli.Options, containerKey);
        try
        {
            await bundle.PrepareAsync(seedUpperDir);
        }
        catch (Exception e)
        {
            bundle.Destroy();
            throw new RunscException(e.Message);
        }
        return await LaunchAsync(cli, bundle, timeout, ct, ["run", "--bundle", bundle.Dir, containerKey], RunnerFrameType.Ready);
    }

    /// <summary>
    /// Restores a checkpoint whose image and writable layer have been unpacked into the sandbox's
    /// bundle (same path as when it was taken, which runsc requires). The runner, frozen mid-loop,
    /// gets fresh stdio and answers a ping; frames it had queued before the checkpoint come first.
    /// </summary>
    public static async Task<SandboxContainer> RestoreAsync(RunscCli cli, OciBundle bundle, string imageDir, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await bundle.PrepareAsync(null);
        }
        catch (Exception e)
        {
            throw new RunscException(e.Message);
        }
        return await LaunchAsync(cli, bundle, timeout, ct, ["restore", $"--image-path={imageDir}", "--bundle", bundle.Dir, bundle.ContainerKey], RunnerFrameType.Pong);
    }

    private static async Task<SandboxContainer> LaunchAsync(RunscCli cli, OciBundle bundle, TimeSpan timeout, CancellationToken ct, string[] command, RunnerFrameType readySignal)
    {
        var run = new Process { StartInfo = cli.StartInfo(bundle.ContainerKey, command) };
        try { run.Start(); }
        catch (Exception e)
        {
            bundle.Destroy();
            throw new RunscException($"cannot start runsc: {e.Message}");
        }
        var container = new SandboxContainer(cli, bundle, run);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
            if (readySignal == RunnerFrameType.Pong) container.Send(RunnerFrameType.Ping, 0);
            while (true)
            {
                var header = new byte[RunnerFrame.HeaderSize];
                await container._fromRunner.ReadExactlyAsync(header, cts.Token);
                var length = BitConverter.ToInt32(header, 5);
                if (length is < 0 or > RunnerFrame.MaxFrameSize) throw new RunscException("the sandbox runner sent a corrupt frame");
                var frame = new byte[RunnerFrame.HeaderSize + length];
                header.CopyTo(frame, 0);
                await container._fromRunner.ReadExactlyAsync(frame.AsMemory(RunnerFrame.HeaderSize), cts.Token);
                var parsed = RunnerFrame.Parse(ByteString.FromBytes(frame));
                if (parsed.Type == readySignal)
                {
                    // a checkpoint is taken with the runner quiesced; let it read executions again
                    if (readySignal == RunnerFrameType.Pong) container.Send(RunnerFrameType.Resume, 0);
                    return container;
                }
                if (readySignal != RunnerFrameType.Pong) throw new RunscException("the sandbox runner sent an unexpected first frame");
                container._pending.Add(parsed);   // output queued before a checkpoint: deliver it first
            }
        }
        catch (Exception e)
        {
            await container.DestroyAsync(keepBundle: readySignal == RunnerFrameType.Pong);
            var reason = container.StderrTail;
            throw new RunscException(e switch
            {
                RunscException r => string.IsNullOrEmpty(reason) ? r.Message : $"{r.Message}: {reason}",
                OperationCanceledException => $"sandbox did not become ready within {timeout.TotalSeconds:0.#} s. {reason}".Trim(),
                _ => string.IsNullOrEmpty(reason) ? e.Message : reason,
            });
        }
    }

    /// <summary>
    /// `runsc checkpoint` into <paramref name="imageDir"/>. runsc stops the container when the image is
    /// written; we wait for that (it can take a second or two) and free the container id, keeping the
    /// bundle (its writable layer belongs to the checkpoint). On failure the container keeps running.
    /// </summary>
    public async Task<RunscResult> CheckpointAsync(string imageDir, CancellationToken ct)
    {
        Directory.CreateDirectory(imageDir);
        var r = await _cli.RunAsync(ContainerKey, TimeSpan.FromSeconds(120), ct, "checkpoint", $"--image-path={imageDir}", ContainerKey);
        if (!r.Ok) return r;
        if (!await WaitAsync(Exited, TimeSpan.FromSeconds(15)))
            return new RunscResult(-1, "", "the container did not stop after its checkpoint");
        await DestroyAsync(keepBundle: true);
        return r;
    }

    /// <summary>
    /// Why the sandbox is gone when nobody asked: runsc's exit code and reason. A SIGKILL (137) under
    /// a host memory cgroup is, in practice, the kernel's OOM killer enforcing the sandbox's memory
    /// cap (its processes together, its writable layer and the sandbox kernel); the client is told so.
    /// </summary>
    public string DescribeUnexpectedExit(int exitCode)
    {
        var options = _cli.Options;
        var why = exitCode == 137 && !options.IgnoreCgroups && options.Limits.HostMemoryBytes is { } cap
            ? $": it was killed, most likely for exceeding its memory cap of {cap / (1024 * 1024)} MB " +
              $"(SANDBOX_MEMORY_LIMIT_MB + SANDBOX_DISK_LIMIT_MB + {ResourceLimits.SandboxOverheadMb} MB for the sandbox kernel)"
            : "";
        return $"The sandbox stopped unexpectedly (runsc exited with {exitCode}){why}. {StderrTail}".Trim();
    }

    /// <summary>What runsc wrote to stderr (its reasons for failing), at most the last few KiB.</summary>
    public string StderrTail
    {
        get { lock (_stderrTail) return _stderrTail.ToString().Trim(); }
    }

    /// <summary>
    /// The runner's frames, read with async I/O (no thread blocked per sandbox) and cut at frame
    /// boundaries. Materialise once. Demand flows back to the pipe: an unread stream stops the runner
    /// from reading program output, which then blocks in write().
    /// </summary>
    public Source<RunnerFrame, NotUsed> Frames() =>
        Source.From(_pending.ToList()).Concat(Source.UnfoldResourceAsync<ByteString, Stream>(
                () => Task.FromResult(_fromRunner),
                async s =>
                {
                    var buf = new byte[64 * 1024];
                    int n;
                    try { n = await s.ReadAsync(buf); }
                    catch (Exception) { n = 0; }   // the sandbox is gone: end of stream
                    return n == 0 ? Option<ByteString>.None : new Option<ByteString>(ByteString.FromBytes(buf, 0, n));
                },
                _ => Task.FromResult(Done.Instance))
            .Via(Framing.LengthField(4, RunnerFrame.MaxFrameSize, 5, ByteOrder.LittleEndian))
            .Select(RunnerFrame.Parse));

    public void Send(RunnerFrameType type, uint execId, ReadOnlySpan<byte> payload = default) =>
        _toRunner.Writer.TryWrite(RunnerFrame.Encode(type, execId, payload));

    /// <summary>Kills the sandbox and removes its runsc state and, unless kept, its overlay mount and
    /// bundle. Idempotent.</summary>
    public async Task DestroyAsync(bool keepBundle = false)
    {
        if (Interlocked.Exchange(ref _destroyed, 1) == 1)
        {
            await Exited;
            return;
        }
        _toRunner.Writer.TryComplete();
        await _cli.RunAsync(ContainerKey, TimeSpan.FromSeconds(10), CancellationToken.None, "delete", "--force", ContainerKey);
        // `runsc run` normally exits as soon as its container is gone, but can linger for seconds;
        // the container is deleted by now, so do not wait for it.
        if (!await WaitAsync(Exited, TimeSpan.FromMilliseconds(300)))
        {
            try { _run.Kill(entireProcessTree: true); } catch { /* gone */ }
            await WaitAsync(Exited, TimeSpan.FromSeconds(5));
        }
        if (!keepBundle) Bundle.Destroy();
        OciBundle.TryDelete(_cli.Options.RootDirFor(ContainerKey));
    }

    /// <summary>Removes whatever a previous incarnation of this sandbox left on this node (container,
    /// overlay mount, bundle, runsc state), e.g. after a crash. Safe when nothing is there.</summary>
    public static async Task DestroyLeftoversAsync(RunscCli cli, string containerKey)
    {
        if (Directory.Exists(cli.Options.RootDirFor(containerKey)))
            await cli.RunAsync(containerKey, TimeSpan.FromSeconds(10), CancellationToken.None, "delete", "--force", containerKey);
        new OciBundle(cli.Options, containerKey).Destroy();
        OciBundle.TryDelete(cli.Options.RootDirFor(containerKey));
    }

    private static async Task<bool> WaitAsync(Task t, TimeSpan timeout) =>
        await Task.WhenAny(t, Task.Delay(timeout)) == t;

    private async Task<int> WaitForExit()
    {
        await _run.WaitForExitAsync();
        return _run.ExitCode;
    }

    private async Task PumpToRunner(Stream stdin)
    {
        try
        {
            var reader = _toRunner.Reader;
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var frame)) await stdin.WriteAsync(frame);
                await stdin.FlushAsync();
            }
        }
        catch (Exception) { /* the runner is gone; the actor learns that from Exited */ }
        finally
        {
            try { stdin.Close(); } catch { /* already closed */ }
        }
    }

    private async Task CollectStderr(StreamReader stderr)
    {
        var buf = new char[4096];
        try
        {
            int n;
            while ((n = await stderr.ReadAsync(buf)) > 0)
            {
                lock (_stderrTail)
                {
                    _stderrTail.Append(buf, 0, n);
                    if (_stderrTail.Length > 8192) _stderrTail.Remove(0, _stderrTail.Length - 8192);
                }
            }
        }
        catch (Exception) { }
    }
}
