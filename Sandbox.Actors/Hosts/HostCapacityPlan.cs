namespace Sandbox.Actors.Hosts;

/// <summary>
/// How many sandboxes this host takes, what bound that number, and the arithmetic behind it in
/// words an operator can check (logged at start, shown by <c>GET /admin/node</c>).
/// </summary>
public sealed record HostCapacityPlan(int Sandboxes, CapacityBound BoundBy, string Explanation);
