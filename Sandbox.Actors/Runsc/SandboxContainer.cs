using System.Diagnostics;
using System.Text;
using Sandbox.Actors.Runner;

namespace Sandbox.Actors.Runsc;

/// <summary>runsc refused or failed; the message is runsc's own reason.</summary>
public sealed class RunscException(string message) : Exception(message);

/// <summary>
/// One running gVisor container whose first process is the resident runner. The host holds the
/// runner's stdin and stdout (the only host descriptors inside the sandbox) and speaks runner
/// protocol v2 over them through <see cref="Runner"/>; everything else, including every process's
/// pipes and terminals, lives inside the sandbox.
/// </summary>
public sealed class SandboxContainer
{
    private readonly RunscCli _cli;
    private readonly Process _run;
    private readonly StringBuilder _stderrTail = new();
    private int _destroyed;

    public string ContainerKey { get; }
    public OciBundle Bundle { get; }
    /// <summary>Completes with the exit code of the `runsc run` process, i.e. when the sandbox is gone.</summary>
    public Task<int> Exited { get; }
    /// <summary>The connection to the resident runner. When it ends with a violation the sandbox can no
    /// longer be trusted to answer and should be destroyed, naming <see cref="RunnerEnd.Reason"/>.</summary>
    public RunnerConnection Runner { get; }

    private SandboxContainer(RunscCli cli, OciBundle bundle, Process run, bool restored, RunnerConnectionOptions? runnerOptions)
    {
        _cli = cli;
        Bundle = bundle;
        ContainerKey = bundle.ContainerKey;
        _run = run;
        Exited = WaitForExit();
        Runner = RunnerConnection.Open(run.StandardOutput.BaseStream, run.StandardInput.BaseStream, runnerOptions, restored);
        _ = CollectStderr(run.StandardError);
    }

    /// <summary>Prepares the bundle (optionally seeding its writable layer from a snapshot), runs the
    /// container and waits until the runner says it is ready.</summary>
    public static Task<SandboxContainer> StartAsync(RunscCli cli, string containerKey, TimeSpan timeout, CancellationToken ct,
        Func<string, Task>? seedUpperDir = null) =>
        StartAsync(cli, new OciBundle(cli.Options, containerKey), timeout, ct, seedUpperDir, null);

    /// <summary>As above, with a bundle of the caller's (tests run a hostile program as PID 1 this way)
    /// and the bounds the runner connection holds the runner to.</summary>
    internal static async Task<SandboxContainer> StartAsync(RunscCli cli, OciBundle bundle, TimeSpan timeout, CancellationToken ct,
        Func<string, Task>? seedUpperDir, RunnerConnectionOptions? runnerOptions)
    {
        try
        {
            await bundle.PrepareAsync(seedUpperDir);
        }
        catch (Exception e)
        {
            bundle.Destroy();
            throw new RunscException(e.Message);
        }
        return await LaunchAsync(cli, bundle, timeout, ct, ["run", "--bundle", bundle.Dir, bundle.ContainerKey], restore: null, runnerOptions);
    }

    /// <summary>
    /// Restores a checkpoint whose image and writable layer have been unpacked into the sandbox's
    /// bundle (same path as when it was taken, which runsc requires). The runner, frozen mid-loop and
    /// quiesced, gets fresh stdio and is revived: it forgets the old connection's requests, takes
    /// <paramref name="newHostname"/> (a fork) and, with <paramref name="resume"/>, goes on producing.
    /// Its processes keep their ids and output offsets.
    /// </summary>
    public static async Task<SandboxContainer> RestoreAsync(RunscCli cli, OciBundle bundle, string imageDir, TimeSpan timeout, CancellationToken ct,
        string? newHostname = null, bool resume = true)
    {
        try
        {
            await bundle.PrepareAsync(null);
        }
        catch (Exception e)
        {
            throw new RunscException(e.Message);
        }
        return await LaunchAsync(cli, bundle, timeout, ct, ["restore", $"--image-path={imageDir}", "--bundle", bundle.Dir, bundle.ContainerKey],
            restore: (newHostname, resume), null);
    }

    private static async Task<SandboxContainer> LaunchAsync(RunscCli cli, OciBundle bundle, TimeSpan timeout, CancellationToken ct, string[] command,
        (string? Hostname, bool Resume)? restore, RunnerConnectionOptions? runnerOptions)
    {
        var run = new Process { StartInfo = cli.StartInfo(bundle.ContainerKey, command) };
        try { run.Start(); }
        catch (Exception e)
        {
            if (restore is null) bundle.Destroy();
            throw new RunscException($"cannot start runsc: {e.Message}");
        }
        var container = new SandboxContainer(cli, bundle, run, restored: restore is not null, runnerOptions);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
            if (restore is { } r)
            {
                await container.Runner.ReviveAsync(r.Hostname, cts.Token);
                if (r.Resume) await container.Runner.ResumeAfterQuiesceAsync(cts.Token);
            }
            else
            {
                // the runner reads its program before it says anything, and nothing is sent to it before
                // that, so this write has the pipe to itself
                if (bundle.ReadsRunnerPreamble) await WritePreambleAsync(run.StandardInput.BaseStream, cts.Token).WaitAsync(cts.Token);
                await container.Runner.Ready.WaitAsync(cts.Token);
            }
            return container;
        }
        catch (Exception e)
        {
            await container.DestroyAsync(keepBundle: restore is not null);
            var reason = container.StderrTail;
            throw new RunscException(e switch
            {
                RunnerUnavailableException u when u.End.IsViolation => string.IsNullOrEmpty(reason) ? u.End.Reason : $"{u.End.Reason}: {reason}",
                RunnerUnavailableException => string.IsNullOrEmpty(reason) ? "the sandbox stopped before its runner was ready" : reason,
                OperationCanceledException => $"sandbox did not become ready within {timeout.TotalSeconds:0.#} s. {reason}".Trim(),
                _ => string.IsNullOrEmpty(reason) ? e.Message : $"{e.Message}: {reason}",
            });
        }
    }

    /// <summary>A runsc that failed early closes the pipe: the write then fails, and the wait for the
    /// runner's ready frame says why (runsc's stderr). A write still blocked when the start times out
    /// ends once the container is destroyed; it must not leave a fault nobody observes.</summary>
    private static async Task WritePreambleAsync(Stream toRunner, CancellationToken ct)
    {
        try
        {
            await toRunner.WriteAsync(RunnerProgram.Preamble, ct);
            await toRunner.FlushAsync(ct);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException) { }
    }

    /// <summary>
    /// `runsc checkpoint` into <paramref name="imageDir"/>. runsc stops the container when the image is
    /// written; we wait for that (it can take a second or two) and free the container id, keeping the
    /// bundle (its writable layer belongs to the checkpoint). On failure the container keeps running.
    /// </summary>
    public async Task<RunscResult> CheckpointAsync(string imageDir, CancellationToken ct)
    {
        var r = await TakeImageAsync(imageDir, ct);
        return r.Ok ? await ReleaseAfterCheckpointAsync() ?? r : r;
    }

    /// <summary>The first half of <see cref="CheckpointAsync"/>: `runsc checkpoint`, which returns once the
    /// image (and so the writable layer's state) is complete.</summary>
    public async Task<RunscResult> TakeImageAsync(string imageDir, CancellationToken ct)
    {
        Directory.CreateDirectory(imageDir);
        return await _cli.RunAsync(ContainerKey, TimeSpan.FromSeconds(120), ct, ["checkpoint", .. ImageOptions, $"--image-path={imageDir}", ContainerKey]);
    }

    /// <summary>
    /// How images are written. runsc's default deflate made `runsc checkpoint` of an idle Python
    /// sandbox take 310–480 ms here for a 6 MB image; uncompressed and without the pages that are
    /// all zeros it takes 65–95 ms for 25 MB, and its restore no longer inflates (resume 300–380 ms
    /// instead of 400–600). Disk is the cheaper of the two: paused sandboxes are bounded by it, live
    /// ones by memory and CPU.
    /// </summary>
    private static readonly string[] ImageOptions = ["--compression=none", "--exclude-committed-zero-pages"];

    /// <summary>The second half: waits for the container to stop and frees its id, keeping the bundle.
    /// Null when done; a failure when the container did not stop.</summary>
    public async Task<RunscResult?> ReleaseAfterCheckpointAsync()
    {
        if (!await WaitAsync(Exited, TimeSpan.FromSeconds(15)))
            return new RunscResult(-1, "", "the container did not stop after its checkpoint");
        await DestroyAsync(keepBundle: true);
        return null;
    }

    /// <summary>`runsc checkpoint --leave-running`: the image of a container that goes on running (a fork's).</summary>
    public async Task<RunscResult> CheckpointLeavingRunningAsync(string imageDir, CancellationToken ct)
    {
        Directory.CreateDirectory(imageDir);
        return await _cli.RunAsync(ContainerKey, TimeSpan.FromSeconds(120), ct, ["checkpoint", "--leave-running", .. ImageOptions, $"--image-path={imageDir}", ContainerKey]);
    }

    /// <summary>`runsc pause` (freeze every process of the sandbox) or `runsc resume`.</summary>
    public Task<RunscResult> FreezeAsync(bool freeze, CancellationToken ct) =>
        _cli.RunAsync(ContainerKey, TimeSpan.FromSeconds(10), ct, freeze ? "pause" : "resume", ContainerKey);

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

    /// <summary>Kills the sandbox and removes its runsc state and, unless kept, its overlay mount and
    /// bundle. Idempotent.</summary>
    public async Task DestroyAsync(bool keepBundle = false)
    {
        if (Interlocked.Exchange(ref _destroyed, 1) == 1)
        {
            await Exited;
            return;
        }
        await Runner.DisposeAsync();
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
