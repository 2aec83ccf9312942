using Sandbox.Actors.Operations;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Storage;
using Sandbox.Core.Sandboxes;
using static Sandbox.Tests.Runner.RunnerTestKit;

namespace Sandbox.Tests.Runner;

/// <summary>
/// A fork's image (issue 15): taken from a running source that goes on, stored, and kept on the
/// source's host for a while so that a fork started there needs nothing from the store; after that
/// (or on another host) the stored archive serves, and a missing one is a clear failure.
/// </summary>
public class ForkImageSpec(RunnerSandboxes sandboxes) : IClassFixture<RunnerSandboxes>
{
    private const string Before = "echo before > /root/kept; rm /etc/issue";
    private const string Look = "cat /root/kept; ls /root; test -e /etc/issue && echo issue-present || echo issue-deleted";

    private string StoreDir => Path.Combine(sandboxes.Dir, "store-" + Guid.NewGuid().ToString("N")[..6]);

    private static CheckpointRef RefOf(StoredCheckpoint s) => new(s.Key, s.Size, s.Sha256, s.Generation) { Shared = true };

    private static string[] KeptImages(SandboxContainer source)
    {
        var dir = Path.Combine(source.Bundle.Dir, "fork-images");
        return Directory.Exists(dir) ? Directory.GetDirectories(dir) : [];
    }

    /// <summary>A running source that wrote a file and deleted one of the image's, and its fork image.</summary>
    private async Task<(DirectoryObjectStore Store, ForkOperation Forks, SandboxContainer Source, StoredCheckpoint Image)> ImageOfASourceAsync(TimeSpan keptFor)
    {
        var store = new DirectoryObjectStore(StoreDir);
        var forks = new ForkOperation(sandboxes.Runsc, store, RunnerSandboxes.StartTimeout, new LocalForkImages(keptFor));
        var source = await sandboxes.StartAsync();
        await Run(source.Runner, Before);
        return (store, forks, source, await forks.TakeImageAsync(source, "fork-source", DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task A_fork_on_the_sources_host_starts_from_the_image_kept_there_with_the_files_of_that_moment_even_without_the_store()
    {
        var (store, forks, source, image) = await ImageOfASourceAsync(TimeSpan.FromMinutes(5));
        // the source goes on, and what it does after the image is not the fork's
        Assert.Equal("", await Run(source.Runner, "echo after > /root/kept; touch /root/later"));
        Assert.Single(KeptImages(source));
        await store.DeleteAsync(image.Key, CancellationToken.None);

        var fork = sandboxes.Track(await forks.StartAsync("fork-a", sandboxes.NewKey(), RefOf(image), "fork-a"));
        Assert.Equal("before\nkept\nissue-deleted\n", await Run(fork.Runner, Look));
        Assert.Equal("fork-a\n", await Run(fork.Runner, "hostname"));
        Assert.Equal("after\nkept\nlater\nissue-deleted\n", await Run(source.Runner, Look));
        // the fork's layer is its own
        await Run(fork.Runner, "echo fork > /root/kept");
        Assert.Equal("after\n", await Run(source.Runner, "cat /root/kept"));
    }

    [Fact]
    public async Task After_its_keep_time_a_fork_image_comes_from_the_store_and_a_missing_one_is_a_clear_failure()
    {
        var (store, forks, source, image) = await ImageOfASourceAsync(TimeSpan.FromMilliseconds(200));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (KeptImages(source).Length > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Empty(KeptImages(source));

        var fork = sandboxes.Track(await forks.StartAsync("fork-b", sandboxes.NewKey(), RefOf(image), "fork-b"));
        Assert.Equal("before\nkept\nissue-deleted\n", await Run(fork.Runner, Look));

        await store.DeleteAsync(image.Key, CancellationToken.None);
        var key = sandboxes.NewKey();
        var failed = await Assert.ThrowsAsync<RunscException>(() => forks.StartAsync("fork-c", key, RefOf(image), "fork-c"));
        Assert.Contains("not found", failed.Message);
        Assert.False(Directory.Exists(sandboxes.Runsc.Options.BundleDirFor(key)));
    }
}
