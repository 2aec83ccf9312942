namespace Sandbox.Core.Sandboxes;

/// <summary>Per-sandbox limits the decider enforces on the foreground execution.</summary>
public sealed record SandboxLimits
{
    /// <summary>Output not yet written to the client before the program is paused.</summary>
    public long OutputWindowBytes { get; init; } = 1024 * 1024;
    /// <summary>Wall-clock limit of one execution; past it the execution is killed (the sandbox stays).</summary>
    public TimeSpan ExecutionTimeLimit { get; init; } = TimeSpan.FromHours(1);
    /// <summary>Output (stdout + stderr) one execution may produce before it is killed.</summary>
    public long ExecutionOutputLimitBytes { get; init; } = 4L * 1024 * 1024 * 1024;
    /// <summary>How long the runner may take to quiesce before a checkpoint goes ahead anyway.</summary>
    public TimeSpan QuiesceTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
