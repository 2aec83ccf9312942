namespace Sandbox.Actors.Runner;

/// <summary>The runner's id for a process it started, and its pid inside the sandbox.</summary>
public sealed record StartedProcess(uint ProcessId, int Pid);
