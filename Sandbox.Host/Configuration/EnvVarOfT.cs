namespace Sandbox.Host.Configuration;

/// <summary>A variable whose text becomes a <typeparamref name="T"/> that <see cref="Set"/> puts into the option records.</summary>
public sealed record EnvVar<T>(string Name, Accepts<T> Accepts, VariableDefault Default, string Meaning, Func<SandboxHostSettings, T, SandboxHostSettings> Set)
    : EnvVar(Name, Default, Meaning)
{
    public override string Accepted => Accepts.Description;

    public override SandboxHostSettings Bind(SandboxHostSettings settings, string text) => Set(settings, Accepts.Parse(text));
}
