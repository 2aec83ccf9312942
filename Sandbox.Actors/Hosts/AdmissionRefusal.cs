namespace Sandbox.Actors.Hosts;

/// <summary>Why a host did not admit a new sandbox; <paramref name="Busy"/> when only concurrent starts stood in the way.</summary>
public sealed record AdmissionRefusal(string Reason, bool Busy);
