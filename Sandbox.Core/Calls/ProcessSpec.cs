namespace Sandbox.Core.Calls;

/// <summary>What to run: <see cref="Cmd"/>, or <see cref="Language"/> (python, bash) with <see cref="Code"/>.</summary>
public sealed record ProcessSpec
{
    public IReadOnlyList<string>? Cmd { get; init; }
    public string? Language { get; init; }
    public string? Code { get; init; }
    public string? Cwd { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public int? PtyCols { get; init; }
    public int? PtyRows { get; init; }
    public double? TimeoutSeconds { get; init; }
}
