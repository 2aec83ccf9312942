namespace Sandbox.Client;

/// <summary>What a finished process wrote and how it ended.</summary>
public sealed record ExecResult(string ProcessId, string Stdout, string Stderr, int? ExitCode, string? Signal);
