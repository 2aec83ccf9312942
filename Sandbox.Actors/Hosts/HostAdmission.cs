namespace Sandbox.Actors.Hosts;

/// <summary>
/// A host's answer to a new sandbox: <paramref name="Refused"/> says why not; otherwise it holds a
/// slot, and <paramref name="MakeRoomBy"/> names the sandbox to pause when this took the host past its capacity.
/// </summary>
public sealed record HostAdmission(AdmissionRefusal? Refused, string? MakeRoomBy)
{
    public static readonly HostAdmission Admitted = new(null, null);
}
