using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Hosts;

public sealed record ContainerListing(string Node, IReadOnlyList<ContainerEntry> Containers) : ISandboxWireMessage;
