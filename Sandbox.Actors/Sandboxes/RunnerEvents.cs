using Akka.Actor;
using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;

namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// Carries a container's runner events to its sandbox actor, in the runner's order, as
/// <see cref="Received"/> messages and then one <see cref="Completed"/>. No backpressure is needed
/// here: block output is bounded by the credit the sandbox grants, and nothing else is large.
/// </summary>
public static class RunnerEvents
{
    public sealed record Received(SandboxContainer Container, RunnerEvent Event);

    /// <summary>The events of <paramref name="Container"/> ended (its runner is gone or frozen by a checkpoint).</summary>
    public sealed record Completed(SandboxContainer Container);

    /// <summary>The connection ended with a protocol violation: the runner can no longer be trusted.</summary>
    public sealed record Violated(SandboxContainer Container, string Reason);

    public static void Start(SandboxContainer container, IActorRef sandbox)
    {
        var events = container.Runner.Events;
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in events.ReadAllAsync()) sandbox.Tell(new Received(container, e));
            }
            finally
            {
                sandbox.Tell(new Completed(container));
            }
        });
        container.Runner.Ended.ContinueWith(t =>
        {
            if (t.Result.IsViolation) sandbox.Tell(new Violated(container, t.Result.Reason));
        }, TaskScheduler.Default);
    }
}
