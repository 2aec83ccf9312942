namespace Sandbox.Core.Sandboxes;

/// <summary>Everything that crosses the wire or goes into the journal; bound to the sandbox serializer.</summary>
public interface ISandboxWireMessage;
