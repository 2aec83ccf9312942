namespace Sandbox.Core.Sandboxes;

/// <summary>Why a checkpoint is taken: a client asked (the session is closed after), idle expiry, or a
/// node handing the sandbox off (the actor stops after).</summary>
public enum CheckpointKind { Client, Idle, Shutdown }
