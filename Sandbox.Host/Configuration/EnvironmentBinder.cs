namespace Sandbox.Host.Configuration;

/// <summary>
/// Binds the variables of <see cref="NodeEnvironment"/> into <see cref="SandboxHostSettings"/>, in
/// declaration order, then checks the rules between them. Every problem is collected, so one start
/// names every wrong variable at once; any problem stops the node.
/// Microsoft.Extensions.Configuration's binder is not used: it reads only true/false as booleans,
/// knows no ranges without a second validation pass, and its errors name configuration keys, not
/// the value and what is accepted; the variables arrive as a plain lookup either way.
/// </summary>
public static class EnvironmentBinder
{
    /// <summary>What an error line shows instead of a secret's value.</summary>
    public const string Hidden = "(hidden)";

    public static SandboxHostSettings Bind(Func<string, string?> env)
    {
        var settings = new SandboxHostSettings();
        var problems = new List<ConfigurationProblem>();
        foreach (var variable in NodeEnvironment.Variables)
        {
            var raw = env(variable.Name);
            var text = raw?.Trim();
            if (text is null || (text.Length == 0 && !variable.EmptyIsAValue))
            {
                // a literal default is parsed like a value from the environment (a test checks that each one is accepted)
                if (variable.Default.IsLiteral) settings = variable.Bind(settings, variable.Default.Text);
                else if (variable.WhenUnset is { } whenUnset) settings = whenUnset(settings);
                continue;
            }
            try
            {
                settings = variable.Bind(settings, text);
            }
            catch (RejectedValueException e)
            {
                problems.Add(new ConfigurationProblem(variable.Name, variable.Secret ? Hidden : raw,
                    $"expected {variable.Accepted}" + (e.Detail is null ? "" : $" ({e.Detail})")));
            }
        }
        if (problems.Count > 0) throw new InvalidConfigurationException(problems);
        NodeConfigurationRules.Enforce(settings);
        return settings;
    }
}
