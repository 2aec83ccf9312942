using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Sandbox.Actors.Placement;
using Sandbox.Actors.Sandboxes;
using static Sandbox.Actors.Sandboxes.SandboxProtocol;

namespace Sandbox.Gateway.Sessions;

/// <summary>What a session was opened for.</summary>
public abstract record SessionMode
{
    /// <summary>/create: waits for the init message.</summary>
    public sealed record Create : SessionMode;
    /// <summary>/attach/{id}?sandbox_token=…</summary>
    public sealed record Attach(string SandboxId, string Token) : SessionMode;
    /// <summary>HTTP /execute: a one-shot sandbox deleted when the session ends.</summary>
    public sealed record Execute(string Language, string Code) : SessionMode;
}

/// <summary>A frame the client sent, as text (binary frames arrive as <c>null</c>).</summary>
public sealed record ClientFrame(string? Text);

/// <summary>The client sent a message over the size limit; the session answers and closes (1009).</summary>
public sealed record ClientMessageTooBig(int Limit);

/// <summary>The client connection is gone (closed, failed, or timed out on keepalive).</summary>
public sealed record ClientDisconnected
{
    public static readonly ClientDisconnected Instance = new();
}

/// <summary>
/// One client connection on the gateway. It performs the create/attach handshake through the shard
/// region, then relays client frames to its sandbox and the sandbox's events to the client through an
/// Akka.Streams queue that writes one message at a time (so a slow client slows the stream) and
/// acknowledges each execution event once written, which is what lets the sandbox replay exactly the
/// unacknowledged rest after a reconnect.
/// </summary>
public sealed class SessionActor : ReceiveActor, IWithStash, IWithTimers
{
    private sealed record Outbound(ServerMessage Message, IActorRef? AckTo, long AckSeq, string SandboxId);

    public static Props PropsFor(IActorRef region, SessionMode mode, IClientChannel channel, GatewayOptions options) =>
        Props.Create(() => new SessionActor(region, mode, channel, options));

    private readonly IActorRef _region;
    private readonly GatewayOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ISourceQueueWithComplete<Outbound> _out;
    private readonly OutboundBacklog? _backlog;
    private string _sandboxId = "";
    private string? _token;
    private SandboxSettings? _createSettings;
    /// <summary>Hosts that refused this create, and why (they are skipped when placing it again).</summary>
    private readonly HashSet<string> _refusedBy = new();
    private readonly List<HostRefusedCreate> _hostRefusals = new();
    private DateTime _createStarted;
    /// <summary>The host the create in flight was placed on, until it answers.</summary>
    private string? _placedOn;
    private static readonly TimeSpan BusyRetry = TimeSpan.FromMilliseconds(150);
    private IActorRef? _sandbox;
    private bool _closing;

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The create or attach in flight, re-sent until a sandbox answers: a message routed to a
    /// host that just died is lost, and sharding only re-homes the shard once the host is downed.</summary>
    private IWithSandboxId? _handshake;
    private DateTime _handshakeDeadline;
    private static readonly TimeSpan HandshakeRetry = TimeSpan.FromSeconds(3);

    public SessionActor(IActorRef region, SessionMode mode, IClientChannel channel, GatewayOptions options)
    {
        _region = region;
        _options = options;
        var self = Self;
        var backlog = _backlog = (channel as WebSocketChannel)?.Backlog;
        // Execution events are bounded by the sandbox's window, so this buffer never fills in practice;
        // if it ever did, the session fails loudly rather than growing without bound.
        _out = Source.Queue<Outbound>(4096, OverflowStrategy.Fail)
            .SelectAsync(1, async o =>
            {
                await channel.SendAsync(o.Message, CancellationToken.None);
                if (o.AckSeq == 0) backlog?.Written();   // execution output has its own window
                if (o.AckTo is not null) o.AckTo.Tell(new OutputAck(o.SandboxId, o.AckSeq), self);
                return o;
            })
            .To(Sink.OnComplete<Outbound>(() => self.Tell(OutboundFinished.Instance), ex => self.Tell(new OutboundFailed(ex))))
            .Run(Context.Materializer());

        switch (mode)
        {
            case SessionMode.Create:
                Become(AwaitingInit);
                break;
            case SessionMode.Attach a:
                StartAttach(a);
                break;
            case SessionMode.Execute x:
                // behaviour first: a create refused on the spot closes the session from StartCreate
                Become(() => Handshaking(afterAttach: () => _sandbox!.Tell(new ExecuteCode(_sandboxId, x.Language, x.Code, CloseStdin: true), Self)));
                StartCreate(SandboxSettings.Default with { IdleTimeoutSeconds = null, DeleteOnDetach = true });
                break;
        }
    }

    // ---- handshake -------------------------------------------------------------------------------

    private void AwaitingInit()
    {
        Receive<ClientFrame>(f =>
        {
            _backlog?.Written();
            SandboxSettings settings;
            try
            {
                settings = InitMessage.Parse(f.Text ?? throw new System.Text.Json.JsonException("binary frames are not supported"));
            }
            catch (System.Text.Json.JsonException e)
            {
                Send(new ServerMessage.Status(SandboxStatus.Creating));
                Reject(SandboxStatus.CreationError, $"Invalid init message: {e.Message}", CloseCodes.ApplicationError);
                return;
            }
            Send(new ServerMessage.Status(SandboxStatus.Creating));
            if (_options.CreationRefusal(settings) is { } refusal)
            {
                Reject(SandboxStatus.CreationError, refusal, CloseCodes.ApplicationError);
                return;
            }
            Become(() => Handshaking(afterAttach: null));
            StartCreate(settings);
        });
        CommonReceives();
    }

    private void StartCreate(SandboxSettings settings)
    {
        _createSettings = settings;
        _createStarted = DateTime.UtcNow;
        _token = SandboxIdentity.NewToken();
        PlaceAndCreate();
    }

    /// <summary>Asks the node's placement board for a host with room and an id on it, and creates
    /// the sandbox there; a full cluster is refused here, before any host is involved.</summary>
    private void PlaceAndCreate()
    {
        if (NodeShuttingDown)
        {
            RejectCreate(ShuttingDownMessage, busy: false);
            return;
        }
        switch (PlacementBoard.Get(Context.System).Place(_refusedBy, _options.ClusterLimits))
        {
            case PlacementDecision.Refused { Busy: true } when DateTime.UtcNow - _createStarted < _options.CreateBusyWait:
                // Hosts are only busy starting other sandboxes (a second-old view may overstate it):
                // wait a moment rather than refuse a burst that would fit a little later.
                Timers.StartSingleTimer("place", PlaceAgain.Instance, BusyRetry);
                break;
            case PlacementDecision.Refused r:
                RejectCreate(r.Reason, r.Busy);
                break;
            case PlacementDecision.Placed p:
                _sandboxId = p.SandboxId;
                _placedOn = p.Node;
                SendHandshake(new CreateSandbox(_sandboxId, SandboxIdentity.HashToken(_token!), _createSettings!, Self));
                break;
        }
    }

    /// <summary>The host chose not to take the sandbox after all (it filled up since the last view,
    /// or it is draining): place it again elsewhere, a bounded number of times.</summary>
    private void OnHostRefusedCreate(HostRefusedCreate r)
    {
        if (r.SandboxId != _sandboxId || _handshake is not CreateSandbox) return;   // a late answer to an earlier attempt
        HandshakeAnswered();
        if (r.Busy && DateTime.UtcNow - _createStarted < _options.CreateBusyWait)
        {
            Timers.StartSingleTimer("place", PlaceAgain.Instance, BusyRetry);   // that host may have room in a moment
            return;
        }
        _refusedBy.Add(r.Node);
        _hostRefusals.Add(r);
        if (_hostRefusals.Count < _options.CreatePlacementAttempts)
        {
            PlaceAndCreate();
            return;
        }
        RejectCreate("No sandbox host could take the sandbox: " + string.Join("; ", _hostRefusals.Select(h => $"{h.Node}: {h.Reason}")) + ".",
            busy: _hostRefusals.All(h => h.Busy));
    }

    /// <summary>SANDBOX_CREATION_ERROR for a capacity refusal; HTTP /execute answers 429 (busy) or 503 (full).</summary>
    private void RejectCreate(string reason, bool busy)
    {
        _log.Info("Create refused: {0}", reason);
        Send(new ServerMessage.Status(SandboxStatus.CreationError));
        Send(new ServerMessage.Error(reason, busy ? 429 : 503));
        Close(CloseCodes.ApplicationError);
    }

    private void StartAttach(SessionMode.Attach a)
    {
        _sandboxId = a.SandboxId;
        if (string.IsNullOrEmpty(a.Token))
        {
            Reject(SandboxStatus.PermissionDenialError, "Sandbox token is missing.", CloseCodes.ApplicationError);
            return;
        }
        if (!SandboxIdentity.IsWellFormed(a.SandboxId))
        {
            // nothing we issued looks like this; do not wake a sharding entity for it
            Reject(SandboxStatus.NotFound, null, CloseCodes.InternalError);
            return;
        }
        SendHandshake(new AttachSandbox(a.SandboxId, SandboxIdentity.HashToken(a.Token), Self));
        Become(() => Handshaking(afterAttach: null));
    }

    private bool NodeShuttingDown => CoordinatedShutdown.Get(Context.System).ShutdownReason is not null;

    private const string ShuttingDownMessage = "This server is shutting down; connect to another gateway or try again shortly.";

    private void SendHandshake(IWithSandboxId message)
    {
        if (NodeShuttingDown)
        {
            Reject(message is CreateSandbox ? SandboxStatus.CreationError : SandboxStatus.RestoreError, ShuttingDownMessage, CloseCodes.ApplicationError);
            return;
        }
        _handshake = message;
        _handshakeDeadline = DateTime.UtcNow + (message is CreateSandbox ? _options.CreateTimeout : _options.HandshakeTimeout);
        _region.Tell(message);
        Timers.StartPeriodicTimer("handshake", HandshakeTick.Instance, HandshakeRetry);
    }

    private void HandshakeAnswered()
    {
        if (_placedOn is { } node) PlacementBoard.Get(Context.System).Settled(node);
        _placedOn = null;
        _handshake = null;
        Timers.Cancel("handshake");
    }

    private void Handshaking(Action? afterAttach)
    {
        Receive<HandshakeTick>(_ =>
        {
            if (_handshake is null) return;
            if (NodeShuttingDown)
            {
                // the region is handing its shards off: a retry could wait for a home that never comes
                var wasCreate = _handshake is CreateSandbox;
                HandshakeAnswered();
                Reject(wasCreate ? SandboxStatus.CreationError : SandboxStatus.RestoreError, ShuttingDownMessage, CloseCodes.ApplicationError);
                return;
            }
            if (DateTime.UtcNow < _handshakeDeadline)
            {
                _region.Tell(_handshake);   // create and attach are idempotent for the same session
                return;
            }
            var creating = _handshake is CreateSandbox;
            AbandonCreate();
            HandshakeAnswered();
            Reject(creating ? SandboxStatus.CreationError : SandboxStatus.RestoreError,
                $"Timed out trying to {(creating ? "create" : "reach")} sandbox {_sandboxId}: no sandbox host answered within " +
                $"{(creating ? _options.CreateTimeout : _options.HandshakeTimeout).TotalSeconds:0} s (a host may be down, or the journal unreachable).",
                CloseCodes.ApplicationError);
        });
        Receive<SandboxAttached>(a =>
        {
            HandshakeAnswered();
            _sandbox = a.Sandbox;
            Context.Watch(_sandbox);
            if (_token is not null) Send(new ServerMessage.SandboxId(_sandboxId, _token));
            Send(new ServerMessage.Status(SandboxStatus.Running));
            Become(Active);
            afterAttach?.Invoke();
            Stash.UnstashAll();
        });
        Receive<HostRefusedCreate>(OnHostRefusedCreate);
        Receive<PlaceAgain>(_ => PlaceAndCreate());
        Receive<SandboxRejected>(r =>
        {
            HandshakeAnswered();
            Reject(r.Status, r.Error, r.CloseCode);
        });
        Receive<StatusEvent>(s =>
        {
            // e.g. SANDBOX_RESTORING: the sandbox has the request; a restore may take a while
            Timers.Cancel("handshake");
            SendStatus(s);
        });
        // Messages sent before SANDBOX_RUNNING (clients send `reconnect` at once) wait, in order.
        Receive<ClientFrame>(_ => Stash.Stash());
        CommonReceives();
    }

    private void Reject(string status, string? error, int closeCode)
    {
        SendStatus(new StatusEvent(status, error));
        Close(closeCode);
    }

    // ---- session phase -----------------------------------------------------------------------------

    private void Active()
    {
        Receive<ClientFrame>(f =>
        {
            _backlog?.Written();
            if (f.Text is null)
            {
                SendStatus(new StatusEvent(SandboxStatus.Error, "Invalid message: binary frames are not supported; send JSON text frames."));
                return;
            }
            switch (ClientCommandParser.Parse(_sandboxId, f.Text))
            {
                case ClientCommandParser.Command c:
                    _sandbox!.Tell(c.Message, Self);
                    break;
                case ClientCommandParser.Rejected r:
                    SendStatus(new StatusEvent(r.Status, r.Message));
                    break;
            }
        });
        Receive<StatusEvent>(SendStatus);
        Receive<ExecutionEvent>(e => Send(e.Kind switch
        {
            ExecutionEventKind.Stdout => new ServerMessage.Output(false, e.Data),
            ExecutionEventKind.Stderr => new ServerMessage.Output(true, e.Data),
            _ => new ServerMessage.Status(e.Data),
        }, e.Seq));
        Receive<CloseSession>(c =>
        {
            Close(c.Code);
        });
        Receive<SessionReplaced>(_ => Released());
        Receive<Terminated>(t =>
        {
            if (!Equals(t.ActorRef, _sandbox)) return;
            // The sandbox went away without a word: its host crashed or was cut off.
            SendStatus(new StatusEvent(SandboxStatus.Error,
                $"Lost contact with sandbox {_sandboxId}: its host is gone. Attach again to restore it from its last checkpoint, if it has one."));
            _sandbox = null;
            Close(CloseCodes.ApplicationError);
        });
        CommonReceives();
    }

    /// <summary>Another session took the sandbox over (handoff): answer this client locally from now
    /// on, without touching the sandbox.</summary>
    private void Released()
    {
        if (_sandbox is not null) Context.Unwatch(_sandbox);
        _sandbox = null;
        Become(() =>
        {
            Receive<ClientFrame>(f =>
            {
                _backlog?.Written();
                if (f.Text is null) return;
                switch (ClientCommandParser.Parse(_sandboxId, f.Text))
                {
                    case ClientCommandParser.Command c:
                        foreach (var e in AbsentSandboxReplies.For(c.Message, _sandboxId, "RELEASED")) Self.Tell(e);
                        break;
                    case ClientCommandParser.Rejected r:
                        SendStatus(new StatusEvent(r.Status, r.Message));
                        break;
                }
            });
            Receive<StatusEvent>(SendStatus);
            Receive<CloseSession>(c =>
            {
                Close(c.Code);
            });
            CommonReceives();
        });
    }

    private void Closing()
    {
        Receive<SandboxAttached>(a => a.Sandbox.Tell(new DetachSession(_sandboxId, Self)));   // too late: let go
        CommonReceives();
    }

    private void CommonReceives()
    {
        Receive<ClientMessageTooBig>(m =>
        {
            SendStatus(new StatusEvent(SandboxStatus.Error, $"Message too big: the limit is {m.Limit} bytes."));
            Close(1009);
        });
        Receive<ClientFrame>(_ => _backlog?.Written());   // closing: nothing more to answer
        Receive<OutboundFinished>(_ => Leave());
        Receive<OutboundFailed>(f =>
        {
            _log.Info("Client connection of {0} ended: {1}", _sandboxId, f.Cause.Message);
            Leave();
        });
        Receive<ClientDisconnected>(_ => Leave());
        ReceiveAny(_ => { });
    }

    /// <summary>The connection is over: let the sandbox know (it keeps running, or ends if one-shot) and stop.</summary>
    private void Leave()
    {
        AbandonCreate();
        _sandbox?.Tell(new DetachSession(_sandboxId, Self));
        Context.Stop(Self);
    }

    /// <summary>A create still in flight when its client gives up (or we do) would leave a sandbox whose
    /// id and token nobody ever received, running until its idle timeout: delete it instead (a host
    /// that has not created it yet answers the kill as "deleted", and one still starting it deletes it
    /// once started).</summary>
    private void AbandonCreate()
    {
        // on a node shutting down a message for a shard nobody holds would stall the region's hand-off
        if (_handshake is not CreateSandbox create || NodeShuttingDown) return;
        _region.Tell(new KillSandbox(create.SandboxId));
        HandshakeAnswered();
    }

    // ---- output -----------------------------------------------------------------------------------

    private void SendStatus(StatusEvent s)
    {
        Send(new ServerMessage.Status(s.Status));
        if (s.Error is not null) Send(new ServerMessage.Error(s.Error));
    }

    private void Send(ServerMessage m, long ackSeq = 0)
    {
        if (_closing) return;
        if (ackSeq == 0) _backlog?.Queued();
        _out.OfferAsync(new Outbound(m, ackSeq > 0 ? _sandbox : null, ackSeq, _sandboxId));
    }

    /// <summary>Sends the close after everything queued before it; then only the connection's end matters.</summary>
    private void Close(int code)
    {
        Become(Closing);
        Send(new ServerMessage.Close(code));
        _closing = true;
        _out.Complete();
    }

    protected override void PostStop()
    {
        if (_placedOn is { } node) PlacementBoard.Get(Context.System).Settled(node);
        _out.Complete();
        base.PostStop();
    }

    private sealed class OutboundFinished { public static readonly OutboundFinished Instance = new(); }
    private sealed class HandshakeTick { public static readonly HandshakeTick Instance = new(); }
    private sealed class PlaceAgain { public static readonly PlaceAgain Instance = new(); }
    private sealed record OutboundFailed(Exception Cause);
}
