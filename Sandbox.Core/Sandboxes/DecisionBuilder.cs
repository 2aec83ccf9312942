namespace Sandbox.Core.Sandboxes;

/// <summary>
/// Builds a <see cref="Decision"/> while keeping the state it leads to, so a decision can be written
/// as a sequence of steps that each see what the earlier ones changed.
/// </summary>
public sealed class DecisionBuilder(SandboxState state)
{
    private readonly List<ISandboxEvent> _events = [];
    private readonly List<SandboxEffect> _effects = [];

    /// <summary>The state after the events so far.</summary>
    public SandboxState State { get; private set; } = state;

    /// <summary>Some event so far goes to the journal.</summary>
    public bool Journals => _events.Any(e => e is IJournaledEvent);

    public DecisionBuilder Event(ISandboxEvent e)
    {
        State = State.Apply(e);
        _events.Add(e);
        return this;
    }

    public DecisionBuilder Do(SandboxEffect e)
    {
        _effects.Add(e);
        return this;
    }

    public DecisionBuilder Send(ClientRef? to, object message) => to is null ? this : Do(new SandboxEffect.Send(to, message));

    public DecisionBuilder SendAll(ClientRef? to, IEnumerable<object> messages)
    {
        foreach (var m in messages) Send(to, m);
        return this;
    }

    public DecisionBuilder Log(LogLevel level, string message) => Do(new SandboxEffect.Log(level, message));

    public DecisionBuilder Measure(Measurement m) => Do(new SandboxEffect.Measure(m));

    public Decision Build() => _events.Count == 0 && _effects.Count == 0 ? Decision.Nothing : new Decision(_events.ToList(), _effects.ToList());
}
