namespace Sandbox.Host.Configuration;

/// <summary>
/// What a variable is when it is unset: a literal the binder parses like a value from the environment
/// (so a default is always a value the variable accepts), nothing at all, or a rule described in words
/// (2 × cores, a path under SANDBOX_DATA_DIR) that the option records or <see cref="EnvVar.WhenUnset"/> compute.
/// </summary>
public sealed record VariableDefault(string Text, bool IsLiteral)
{
    public static VariableDefault Of(string literal) => new(literal, true);
    public static readonly VariableDefault Unset = new("unset", false);
    public static VariableDefault Computed(string description) => new(description, false);

    /// <summary>How the README's Default column shows it.</summary>
    public string Markdown => IsLiteral ? (Text.Length == 0 ? "empty" : $"`{Text}`") : Text;
}
