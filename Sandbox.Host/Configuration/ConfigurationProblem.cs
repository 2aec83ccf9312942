namespace Sandbox.Host.Configuration;

/// <summary>One reason a node will not start: the variable, the value it was given (null when unset;
/// hidden for secrets) and what it accepts or needs. Printed as one line on stderr.</summary>
public sealed record ConfigurationProblem(string Variable, string? Value, string Message)
{
    public override string ToString() => $"{Variable}={Value ?? "(unset)"}: {Message}";
}
