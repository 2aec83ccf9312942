using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Gateway.Sessions;

/// <summary>
/// A session's messages to its client, written one at a time by an Akka.Streams queue (so a slow
/// client slows the stream). Answers count in the channel's backlog; execution events are
/// acknowledged to their sandbox once written (their window is the sandbox's), which is what lets
/// the sandbox replay exactly the unacknowledged rest after a reconnect. Ends with
/// <see cref="Finished"/> or <see cref="Failed"/> to its owner.
/// </summary>
public sealed class ClientOutbox
{
    public sealed class Finished
    {
        public static readonly Finished Instance = new();
    }

    public sealed record Failed(Exception Cause);

    private sealed record Item(ServerMessage Message, IActorRef? AckTo, string SandboxId, long Seq);

    private readonly ISourceQueueWithComplete<Item> _queue;
    private readonly OutboundBacklog? _backlog;
    private bool _closed;

    public ClientOutbox(IClientChannel channel, IActorRef owner, IMaterializer materializer)
    {
        var backlog = _backlog = channel.Backlog;
        // Execution events are bounded by the sandbox's window and answers by the backlog, so this buffer
        // never fills in practice; if it ever did, the session fails loudly rather than growing without bound.
        _queue = Source.Queue<Item>(4096, OverflowStrategy.Fail)
            .SelectAsync(1, async item =>
            {
                await channel.SendAsync(item.Message, CancellationToken.None);
                if (item.AckTo is null) backlog?.Written();
                else item.AckTo.Tell(new OutputAck(item.SandboxId, item.Seq), owner);
                return item;
            })
            .To(Sink.OnComplete<Item>(() => owner.Tell(Finished.Instance), ex => owner.Tell(new Failed(ex))))
            .Run(materializer);
    }

    /// <summary>An answer of the session's own (statuses, errors, the sandbox id).</summary>
    public void Answer(ServerMessage m)
    {
        if (_closed) return;
        _backlog?.Queued();
        _queue.OfferAsync(new Item(m, null, "", 0));
    }

    /// <summary>An execution event: acknowledged to <paramref name="sandbox"/> once the client has it.</summary>
    public void Execution(ServerMessage m, IActorRef sandbox, string sandboxId, long seq)
    {
        if (_closed) return;
        _queue.OfferAsync(new Item(m, sandbox, sandboxId, seq));
    }

    /// <summary>A client frame was handled: it no longer counts against the backlog.</summary>
    public void FrameHandled() => _backlog?.Written();

    /// <summary>Sends the close after everything queued before it; nothing is sent after.</summary>
    public void Close(int code)
    {
        if (_closed) return;
        Answer(new ServerMessage.Close(code));
        _closed = true;
        _queue.Complete();
    }

    public void Complete() => _queue.Complete();
}
