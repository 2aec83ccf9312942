namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>POST /v1/sandboxes/{id}/fork.</summary>
public sealed record ForkBody
{
    /// <summary>How many new sandboxes to make from the source's state at this moment (1–16, default 1).</summary>
    public int? Count { get; init; }
    /// <summary>Labels of the forks (the source's labels when absent).</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}
