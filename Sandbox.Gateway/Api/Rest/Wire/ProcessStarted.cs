namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>POST …/processes: the new process.</summary>
/// <param name="ProcessId">Stable id of the process (survives checkpoint, restore and fork); use it in every …/processes/{pid} route.</param>
/// <param name="Pid">Its process id inside the sandbox.</param>
public sealed record ProcessStarted(string ProcessId, int Pid);
