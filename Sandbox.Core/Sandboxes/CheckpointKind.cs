namespace Sandbox.Core.Sandboxes;

/// <summary>Why a checkpoint is taken: a client asked (the session is closed after), idle expiry, a
/// node handing the sandbox off (the actor stops after), an API pause (answered once stored), or its
/// host being short of memory for other sandboxes (it was the least recently active one there).</summary>
public enum CheckpointKind { Client, Idle, Shutdown, Pause, MakeRoom }
