namespace Sandbox.Core.Sandboxes;

/// <summary>What to do once a container is gone: stop at once (hand-off), or ask to be passivated.</summary>
public enum AfterTeardown { Passivate, StopNow, Stay }
