using Sandbox.Host.Configuration;

namespace Sandbox.Tests.Configuration;

/// <summary>The README's configuration table lists exactly the declared variables, each with its
/// declared default and what it accepts (its meaning may say more than the one-line declaration).</summary>
public class ConfigurationTableSpec
{
    private const string Section = "## Configuration (environment variables)";

    private static string ReadmePath => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../README.md"));

    /// <summary>The README's rows: variable, default and accepts cells as written.</summary>
    private static List<(string Name, string Default, string Accepts)> ReadmeRows()
    {
        var lines = File.ReadAllLines(ReadmePath);
        var start = Array.IndexOf(lines, Section);
        Assert.True(start >= 0, $"README.md has no '{Section}' section");
        return lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .Select(c => (c[1].Trim('`'), c[2], c[3]))
            .ToList();
    }

    private static string Row(EnvVar v) => $"| `{v.Name}` | {v.Default.Markdown} | {v.Accepted} | {v.Meaning} |";

    [Fact]
    public void Every_declared_variable_has_one_row_in_the_readme_and_every_row_is_declared()
    {
        var rows = ReadmeRows();
        var declared = NodeEnvironment.Variables.Select(v => v.Name).ToList();
        var missing = NodeEnvironment.Variables.Where(v => rows.All(r => r.Name != v.Name)).Select(Row).ToList();
        Assert.True(missing.Count == 0, "README.md lacks these rows (meaning may be longer):\n" + string.Join("\n", missing));
        Assert.Empty(rows.Select(r => r.Name).Where(n => !declared.Contains(n)));
        Assert.Equal(rows.Count, rows.Select(r => r.Name).Distinct().Count());
    }

    [Fact]
    public void Each_row_shows_the_declared_default_and_what_the_variable_accepts()
    {
        var wrong = ReadmeRows()
            .Select(r => (Row: r, Declared: NodeEnvironment.Variables.SingleOrDefault(v => v.Name == r.Name)))
            .Where(x => x.Declared is not null && (x.Row.Default != x.Declared.Default.Markdown || x.Row.Accepts != x.Declared.Accepted))
            .Select(x => $"{x.Row.Name}: README says default '{x.Row.Default}', accepts '{x.Row.Accepts}'; declared: {Row(x.Declared!)}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
