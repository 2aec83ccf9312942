namespace Sandbox.Core.Sandboxes;

/// <summary>
/// An opaque handle on whoever sent a command or should hear an answer: an actor reference inside
/// the actor system, a plain name in tests. The pure core only compares handles and addresses
/// replies to them; it never looks inside.
/// </summary>
public sealed record ClientRef(object Handle)
{
    public bool Equals(ClientRef? other) => other is not null && Equals(Handle, other.Handle);
    public override int GetHashCode() => Handle.GetHashCode();
    public override string ToString() => Handle.ToString() ?? "client";
}
