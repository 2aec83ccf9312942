namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>POST /v1/sandboxes/{id}/ttl.</summary>
public sealed record TtlBody
{
    /// <summary>The sandbox's remaining lifetime in seconds, counted from now (greater than 0).</summary>
    public double? TtlSeconds { get; init; }
}
