namespace Sandbox.Actors.Hosts;

/// <summary>One line of `runsc list` for a container this node manages.</summary>
public sealed record ContainerEntry(string Id, string Status, int Pid, string? Created);
