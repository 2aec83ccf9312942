namespace Sandbox.Actors.Hosts;

/// <summary>What decided how many sandboxes a host takes.</summary>
public enum CapacityBound
{
    /// <summary>SANDBOX_HOST_MAX_SANDBOXES was set: the operator's number, whatever the machine.</summary>
    Configured,
    /// <summary>The host's memory (idle sandboxes plus the burst headroom).</summary>
    Memory,
    /// <summary>The free space of the data directory's file system.</summary>
    Disk,
    /// <summary>The kernel's limit of tasks (pid_max / threads-max): every sandbox runs host threads.</summary>
    Pids,
}
