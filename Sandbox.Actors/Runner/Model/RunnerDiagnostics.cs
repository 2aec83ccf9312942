namespace Sandbox.Actors.Runner;

/// <summary>What the runner holds right now: open descriptors, request channels, processes it knows
/// (running and remembered), starts in progress, and whether a spare child waits. For leak checks.</summary>
public sealed record RunnerDiagnostics(int Descriptors, int Channels, int Processes, int Running, int Pending, bool Spare);
