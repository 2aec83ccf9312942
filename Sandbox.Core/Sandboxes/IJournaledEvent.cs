namespace Sandbox.Core.Sandboxes;

/// <summary>Facts of a sandbox's life that are written to the journal and rebuild its state on recovery.
/// Never rename or change one: the serializer stores them under versioned string manifests, and a new
/// shape gets a new record with a ".v2" manifest. Output is never journaled.</summary>
public interface IJournaledEvent : ISandboxEvent, ISandboxWireMessage;
