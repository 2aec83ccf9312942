namespace Sandbox.Host.Configuration;

/// <summary>
/// The node's configuration cannot run: a value that does not parse, is out of range, or does not go
/// with another one. <c>Program</c> prints every problem on a line of its own and exits with code 2;
/// nothing in the node falls back to a default instead.
/// </summary>
public sealed class InvalidConfigurationException(IReadOnlyList<ConfigurationProblem> problems, Exception? inner = null)
    : Exception(string.Join(Environment.NewLine, problems), inner)
{
    public InvalidConfigurationException(ConfigurationProblem problem, Exception? inner = null) : this([problem], inner) { }

    public IReadOnlyList<ConfigurationProblem> Problems { get; } = problems;
}
