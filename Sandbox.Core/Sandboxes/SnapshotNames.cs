using System.Text.RegularExpressions;

namespace Sandbox.Core.Sandboxes;

/// <summary>Filesystem snapshot names: letters, digits, '.', '_' and '-', at most 128, never a path.</summary>
public static partial class SnapshotNames
{
    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex Allowed();

    public static bool IsValid(string? name) => name is not null && Allowed().IsMatch(name) && name is not "." and not "..";

    public static string Rule(string? name) => name is null
        ? "a snapshot name is required."
        : $"invalid snapshot name '{(name.Length > 140 ? name[..140] + "…" : name)}': use 1 to 128 letters, digits, '.', '_' or '-' (not '.' or '..').";

    /// <summary>Where a snapshot lives in its store (the layout of PROTOCOL.md §13.2).</summary>
    public static string Key(string name) => $"filesystem_snapshots/{name}/{name}.tar";
}
