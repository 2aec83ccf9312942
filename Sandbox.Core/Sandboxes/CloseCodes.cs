namespace Sandbox.Core.Sandboxes;

/// <summary>WebSocket close codes of PROTOCOL.md §8.</summary>
public static class CloseCodes
{
    public const int Normal = 1000;
    public const int InternalError = 1011;
    public const int ApplicationError = 4000;
}
