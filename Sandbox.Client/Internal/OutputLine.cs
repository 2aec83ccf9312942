namespace Sandbox.Client.Internal;

/// <summary>A /v1 answer's envelope as it comes over the wire.</summary>
internal sealed record OutputLine(string Stream, long Offset, string? Data, string? DataB64, int? ExitCode, string? Signal, long? DroppedBytes);
