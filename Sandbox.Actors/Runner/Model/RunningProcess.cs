namespace Sandbox.Actors.Runner;

/// <summary>A process that was running in a restored sandbox: its id, policy, the output credit it
/// still holds (block), the end offset of its output log and the tag the host gave it.</summary>
public sealed record RunningProcess(uint ProcessId, OutputPolicy Policy, long Credit, long OutputEnd, string Tag);
