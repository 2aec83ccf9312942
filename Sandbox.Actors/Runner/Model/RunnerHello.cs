namespace Sandbox.Actors.Runner;

/// <summary>What the runner said when the connection began: its protocol version and pid, and,
/// after a restore, the processes that were running when the checkpoint was taken.</summary>
public sealed record RunnerHello(int Version, int Pid, IReadOnlyList<RunningProcess> Running);
