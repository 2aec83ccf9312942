namespace Sandbox.Core.Sandboxes;

/// <summary>Sent by a sandbox to the client session attached to it, in the order the client must see them.</summary>
public interface ISessionEvent : ISandboxWireMessage;
