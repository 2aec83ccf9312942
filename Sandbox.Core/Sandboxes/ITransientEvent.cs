namespace Sandbox.Core.Sandboxes;

/// <summary>Changes of what this incarnation of the actor is doing (sessions, operations in flight,
/// the foreground execution's log); never written, gone when the actor stops.</summary>
public interface ITransientEvent : ISandboxEvent;
