namespace Sandbox.Host.Configuration;

/// <summary>The keys of SANDBOX_API_KEYS_FILE: one per line, blank lines and '#' comments skipped.</summary>
public static class ApiKeyFile
{
    /// <summary>A named file without a single key is refused: the operator meant the routes to need one,
    /// and starting with them open would be the opposite.</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        var keys = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        return keys.Count > 0 ? keys : throw new RejectedValueException("the file holds no key");
    }
}
