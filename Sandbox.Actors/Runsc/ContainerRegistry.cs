namespace Sandbox.Actors.Runsc;

/// <summary>
/// The containers this node has started and not yet removed, one empty file each under the node's
/// data directory. It survives a crash of the host process, so the next start (and a shutdown) can
/// remove exactly this node's leftovers, even when several nodes share one machine.
/// </summary>
public sealed class ContainerRegistry
{
    private readonly string _dir;

    public ContainerRegistry(string dataDir)
    {
        _dir = Path.Combine(dataDir, "containers");
        Directory.CreateDirectory(_dir);
    }

    public void Add(string containerKey) => File.WriteAllBytes(Path.Combine(_dir, containerKey), []);

    public void Remove(string containerKey)
    {
        try { File.Delete(Path.Combine(_dir, containerKey)); } catch (IOException) { }
    }

    public IReadOnlyList<string> List() =>
        Directory.Exists(_dir) ? Directory.GetFiles(_dir).Select(Path.GetFileName).OfType<string>().ToList() : [];

    /// <summary>Destroys every container still registered here (start-up after a crash, shutdown).</summary>
    public async Task<int> DestroyAllAsync(RunscCli cli)
    {
        var ids = List();
        await Task.WhenAll(ids.Select(async id =>
        {
            await SandboxContainer.DestroyLeftoversAsync(cli, id);
            Remove(id);
        }));
        return ids.Count;
    }
}
