namespace Sandbox.Actors.Runner;

/// <summary>What <see cref="RunnerConnection.Events"/> carries, in the order the runner sent it.</summary>
public abstract record RunnerEvent(uint ProcessId);

/// <summary>A process this connection started is running (before any of its output or its exit).</summary>
public sealed record ProcessStarted(uint ProcessId, int Pid, OutputPolicy Policy, string? Tag) : RunnerEvent(ProcessId);

/// <summary>Output of a <see cref="OutputPolicy.Block"/> process; give credit back with Acknowledge once taken.</summary>
public sealed record ProcessOutput(uint ProcessId, OutputStream Stream, long Offset, byte[] Bytes) : RunnerEvent(ProcessId);

/// <summary>A process ended and all its output is in its log (and, for block, already on this channel).</summary>
public sealed record ProcessExited(uint ProcessId, ExitStatus Status) : RunnerEvent(ProcessId);
