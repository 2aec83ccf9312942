namespace Sandbox.Core.Sandboxes;

/// <summary>What the decider decided: events to apply (journaled ones are persisted first), then effects in order.</summary>
public sealed record Decision(IReadOnlyList<ISandboxEvent> Events, IReadOnlyList<SandboxEffect> Effects)
{
    public static readonly Decision Nothing = new([], []);

    public bool Journals => Events.Any(e => e is IJournaledEvent);
}
