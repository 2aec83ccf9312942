namespace Sandbox.Core.Placement;

/// <summary>Cluster-wide caps (0 = none). The per-host caps live on each host .</summary>
public sealed record ClusterLimits(int MaxSandboxes = 0, int MaxConcurrentCreates = 0);
