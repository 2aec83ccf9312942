using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Sandboxes;

/// <summary>Tuning of the sandboxes on this node.</summary>
public sealed record SandboxHostOptions
{
    /// <summary>How long a container may take from `runsc run` to the runner's first frame.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Output not yet written to the client, per sandbox, before the program is paused.</summary>
    public long OutputWindowBytes { get; init; } = 1024 * 1024;
    /// <summary>Wall-clock limit of one execution; past it the execution is killed (the sandbox stays).</summary>
    public TimeSpan ExecutionTimeLimit { get; init; } = TimeSpan.FromHours(1);
    /// <summary>Output (stdout + stderr) one execution may produce before it is killed.</summary>
    public long ExecutionOutputLimitBytes { get; init; } = 4L * 1024 * 1024 * 1024;
    /// <summary>Sandboxes this host runs at most (new ones go elsewhere; restores are always admitted);
    /// null: sized from the host's memory, disk and task limit at start (<see cref="Hosts.HostSizing"/>).</summary>
    public int? MaxSandboxes { get; init; }
    /// <summary>The capacity of a host whose size was never worked out (a context built in a test).</summary>
    public const int UnsizedMaxSandboxes = 64;
    /// <summary>Sandboxes this host starts at once at most (a burst of creates goes to other hosts or waits).</summary>
    public int MaxConcurrentStarts { get; init; } = 8;

    /// <summary>Output kept per API process, the newest (SANDBOX_PROCESS_OUTPUT_KEEP_BYTES); older bytes
    /// are announced to readers as a gap.</summary>
    public long ProcessOutputKeepBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>How long an ended sandbox stays answerable (SANDBOX_ENDED_RETENTION_HOURS).</summary>
    public TimeSpan EndedRetention { get; init; } = TimeSpan.FromHours(24);
    /// <summary>How often a host looks through the catalog for sandboxes to wake (expired, past retention, lost).</summary>
    public TimeSpan CatalogSweepInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The limits the sandbox decider enforces, from the options above.</summary>
    public SandboxLimits Limits => new()
    {
        OutputWindowBytes = OutputWindowBytes, ExecutionTimeLimit = ExecutionTimeLimit, ExecutionOutputLimitBytes = ExecutionOutputLimitBytes,
    };
}
