using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Sandbox.Actors.Runner;
using Sandbox.Actors.Runsc;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxSignals;

namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// Carries a container's runner frames to its sandbox actor with backpressure (each frame is
/// acknowledged once decided, and an unacknowledged frame stops the pipe), and translates them into
/// the decider's signals.
/// </summary>
public static class RunnerStream
{
    public sealed class Init
    {
        public static readonly Init Instance = new();
    }

    public sealed class Ack
    {
        public static readonly Ack Instance = new();
    }

    /// <summary>The stream of <paramref name="Container"/> ended (its runner is gone or frozen by a checkpoint).</summary>
    public sealed record Completed(SandboxContainer Container);

    public static void Start(SandboxContainer container, IActorRef sandbox, IMaterializer materializer)
    {
        container.Frames().RunWith(
            Sink.ActorRefWithAck<RunnerFrame>(sandbox, Init.Instance, Ack.Instance, new Completed(container), _ => new Completed(container)),
            materializer);
    }

    /// <summary>What a frame means to the decider; null for frames it does not act on.</summary>
    public static object? Signal(RunnerFrame f) => f.Type switch
    {
        RunnerFrameType.Stdout => new RunnerOutput(f.ExecId, false, f.Payload.ToArray()),
        RunnerFrameType.Stderr => new RunnerOutput(f.ExecId, true, f.Payload.ToArray()),
        RunnerFrameType.FailedToStart => new RunnerExecFailed(f.ExecId, f.Payload.ToString()),
        RunnerFrameType.Exited when f.Payload.Count >= 4 => new RunnerExecExited(f.ExecId, BitConverter.ToInt32(f.Payload.ToArray(), 0)),
        RunnerFrameType.Synced => new RunnerSynced(f.ExecId),
        _ => null,
    };
}
