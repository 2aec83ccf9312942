namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>POST …/processes/{pid}/resize (terminal processes only).</summary>
public sealed record ResizeBody
{
    /// <summary>Width of the terminal in character cells.</summary>
    public int? Cols { get; init; }
    /// <summary>Height of the terminal in character cells.</summary>
    public int? Rows { get; init; }
}
