namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>POST …/processes/{pid}/signal.</summary>
public sealed record SignalBody
{
    /// <summary>The signal to send: TERM, KILL, INT or HUP.</summary>
    public string? Signal { get; init; }
}
