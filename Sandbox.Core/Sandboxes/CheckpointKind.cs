namespace Sandbox.Core.Sandboxes;

/// <summary>Why a checkpoint is taken: a client asked (the session is closed after), idle expiry, a
/// node handing the sandbox off (the actor stops after), or an API pause (answered once stored).</summary>
public enum CheckpointKind { Client, Idle, Shutdown, Pause }
