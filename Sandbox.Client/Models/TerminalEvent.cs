namespace Sandbox.Client;

/// <summary>What a terminal sent: output bytes, or (last) the exit with its code.</summary>
public sealed record TerminalEvent(ReadOnlyMemory<byte> Output, bool Exited = false, int? ExitCode = null, string? Signal = null);
