using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Runner;

/// <summary>
/// Real gVisor sandboxes started straight through <see cref="SandboxContainer"/> (no server), with
/// bundles and runsc state in a temporary directory of their own. Everything started is destroyed
/// at the end, and the directory must then hold no container, mount or bundle.
/// </summary>
public class RunnerSandboxes : IAsyncLifetime
{
    private readonly List<SandboxContainer> _started = [];
    private int _count;

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "runner-tests-" + Guid.NewGuid().ToString("N")[..8]);
    public RunscCli Runsc { get; private set; } = null!;
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    protected virtual ResourceLimits Limits => new();
    protected virtual RunscOptions Customize(RunscOptions o) => o;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(Dir, "state"));
        Directory.CreateDirectory(Path.Combine(Dir, "bundles"));
        Runsc = new RunscCli(Customize(new RunscOptions
        {
            RootDirBase = Path.Combine(Dir, "state"),
            BundleDirBase = Path.Combine(Dir, "bundles"),
            RootfsPath = ServerFixture.RootfsPath,
            Limits = Limits,
        }));
        return Task.CompletedTask;
    }

    public string NewKey() => $"rt{Environment.ProcessId}x{Interlocked.Increment(ref _count)}x{Guid.NewGuid().ToString("N")[..6]}";

    public async Task<SandboxContainer> StartAsync(RunnerConnectionOptions? options = null, string? runnerOverride = null)
    {
        var bundle = new OciBundle(Runsc.Options, NewKey()) { RunnerOverride = runnerOverride };
        var c = await SandboxContainer.StartAsync(Runsc, bundle, StartTimeout, CancellationToken.None, null, options);
        lock (_started) _started.Add(c);
        return c;
    }

    /// <summary>Adopts a container started elsewhere (a restore) so that it is cleaned up too.</summary>
    public SandboxContainer Track(SandboxContainer c)
    {
        lock (_started) _started.Add(c);
        return c;
    }

    public async Task DisposeAsync()
    {
        List<SandboxContainer> all;
        lock (_started) all = [.. _started];
        await Task.WhenAll(all.Select(c => c.DestroyAsync()));
        foreach (var c in all) c.Bundle.Destroy();   // also the bundles kept for a restore
        var left = Directory.GetDirectories(Path.Combine(Dir, "state")).Concat(Directory.GetDirectories(Path.Combine(Dir, "bundles")))
            .Concat(File.ReadLines("/proc/self/mounts").Where(l => l.Contains(Dir))).ToList();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (left.Count > 0) throw new InvalidOperationException("runner tests leaked: " + string.Join(", ", left));
    }
}
