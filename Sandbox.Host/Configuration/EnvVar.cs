namespace Sandbox.Host.Configuration;

/// <summary>
/// One environment variable the node reads, declared once in <see cref="NodeEnvironment"/>: its name,
/// what it accepts, its default and what it means. The README's configuration table lists the same
/// four things (a test compares them).
/// </summary>
public abstract record EnvVar(string Name, VariableDefault Default, string Meaning)
{
    /// <summary>What the variable accepts, in the words of errors and of the README.</summary>
    public abstract string Accepted { get; }

    /// <summary>Its value never appears in an error line (keys, tokens, passwords, connection strings).</summary>
    public bool Secret { get; init; }

    /// <summary>An empty value is a value of its own instead of "unset" (RUNSC_PLATFORM= leaves the platform to runsc).</summary>
    public bool EmptyIsAValue { get; init; }

    /// <summary>Applied when the variable is unset and its default depends on other settings
    /// (SANDBOX_ROOTFS follows SANDBOX_DATA_DIR); declared after the variables it reads.</summary>
    public Func<SandboxHostSettings, SandboxHostSettings>? WhenUnset { get; init; }

    /// <summary>Parses <paramref name="text"/> and sets the option it is bound to; throws <see cref="RejectedValueException"/>.</summary>
    public abstract SandboxHostSettings Bind(SandboxHostSettings settings, string text);
}
