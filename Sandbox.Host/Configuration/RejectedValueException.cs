namespace Sandbox.Host.Configuration;

/// <summary>Thrown by a parser of <see cref="Accepts{T}"/> for a value it does not accept. The binder
/// turns it into a <see cref="ConfigurationProblem"/> that names the variable; <paramref name="detail"/>
/// says why when "expected …" alone would not (a file that cannot be read, a certificate that expired).</summary>
public sealed class RejectedValueException(string? detail = null) : Exception(detail ?? "rejected")
{
    public string? Detail { get; } = detail;
}
