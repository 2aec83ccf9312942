using Sandbox.Actors.Catalog;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Runsc;

namespace Sandbox.Actors.Telemetry;

/// <summary>Where a host's samples come from: its slots, its containers (for their memory), and the catalog.</summary>
public sealed record MetricsHistorySource(string Node, HostCapacity Capacity, ContainerRegistry Registry, RunscOptions Runsc, ISandboxCatalog? Catalog);
