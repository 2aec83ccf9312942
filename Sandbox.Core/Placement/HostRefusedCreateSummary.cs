namespace Sandbox.Core.Placement;

/// <summary>One host's refusal of a create, as the placement remembers it.</summary>
public sealed record HostRefusedCreateSummary(string Node, string Reason, bool Busy);
