namespace Sandbox.Actors.Network;

/// <summary>A network variable with a value the node cannot use; the node stops with this message
/// (it names the variable, the value and what is accepted).</summary>
public sealed class NetworkOptionsException(string variable, string? value, string accepted)
    : Exception($"{variable}={value}: {accepted}")
{
    public string Variable { get; } = variable;
    public string? Value { get; } = value;
}
