namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>GET …/processes: every process of the sandbox, running and exited.</summary>
public sealed record ProcessList(IReadOnlyList<ProcessView> Processes);
