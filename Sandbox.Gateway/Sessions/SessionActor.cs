using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Placement;
using Sandbox.Core.Placement;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Gateway.Sessions;

/// <summary>
/// One client connection on the gateway. It performs the create/attach handshake through the shard
/// region (a create placed by <see cref="CreatePlacement"/>), then relays client frames to its
/// sandbox (translated by <see cref="ClientCommandParser"/>) and the sandbox's events to the client
/// through its <see cref="ClientOutbox"/>.
/// </summary>
public sealed class SessionActor : ReceiveActor, IWithStash, IWithTimers
{
    /// <param name="remote">The client's address, for the audit log.</param>
    public static Props PropsFor(SandboxGateway gateway, SessionMode mode, IClientChannel channel, string? remote) =>
        Props.Create(() => new SessionActor(gateway.Region, mode, channel, gateway.Options, gateway.Audit, remote));

    /// <summary>How often a create or attach in flight is sent again: a message routed to a host that
    /// just died is lost, and sharding only re-homes the shard once the host is downed.</summary>
    private static readonly TimeSpan HandshakeRetry = TimeSpan.FromSeconds(3);

    private const string ShuttingDownMessage = "This server is shutting down; connect to another gateway or try again shortly.";

    private readonly IActorRef _region;
    private readonly GatewayOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ClientOutbox _out;
    private readonly Audit.AuditLog _audit;
    private readonly string? _remote;
    private string _sandboxId = "";
    private string? _token;
    private SandboxSettings? _createSettings;
    private CreatePlacement? _placement;
    /// <summary>The host the create in flight was placed on, until it answers (it counts as starting there).</summary>
    private string? _placedOn;
    /// <summary>The create or attach in flight, re-sent until a sandbox answers or the deadline passes.</summary>
    private IWithSandboxId? _handshake;
    private DateTime _handshakeDeadline;
    private IActorRef? _sandbox;
    /// <summary>What to send the sandbox once attached (HTTP /execute's code).</summary>
    private ExecuteCode? _afterAttach;
    /// <summary>The fingerprint of the client's API key: the owner of what it creates, checked on what it attaches.</summary>
    private string? _owner;
    /// <summary>Create, report the id, and let go (the API's create).</summary>
    private bool _detachOnceCreated;

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    public SessionActor(IActorRef region, SessionMode mode, IClientChannel channel, GatewayOptions options, Audit.AuditLog audit, string? remote)
    {
        _region = region;
        _options = options;
        _audit = audit;
        _remote = remote;
        _out = new ClientOutbox(channel, Self, Context.Materializer());
        switch (mode)
        {
            case SessionMode.Create c:
                _owner = c.Owner;
                Become(AwaitingInit);
                break;
            case SessionMode.Attach a:
                _owner = a.Caller;
                Become(Handshaking);
                StartAttach(a);
                break;
            case SessionMode.Execute x:
                _owner = x.Owner;
                Become(Handshaking);
                _afterAttach = new ExecuteCode("", x.Language, x.Code, CloseStdin: true);
                StartCreate(SandboxSettings.Default with { IdleTimeoutSeconds = null, DeleteOnDetach = true });
                break;
            case SessionMode.CreateDetached c:
                _owner = c.Owner;
                _detachOnceCreated = true;
                Become(Handshaking);
                StartCreate(c.Settings);
                break;
        }
    }

    private static bool NodeShuttingDown => CoordinatedShutdown.Get(Context.System).ShutdownReason is not null;

    // ---- handshake -------------------------------------------------------------------------------

    private void AwaitingInit()
    {
        Receive<ClientConnection.Frame>(f =>
        {
            _out.FrameHandled();
            _out.Answer(new ServerMessage.Status(SandboxStatus.Creating));
            SandboxSettings settings;
            try
            {
                settings = InitMessage.Parse(f.Text ?? throw new System.Text.Json.JsonException("binary frames are not supported"));
            }
            catch (System.Text.Json.JsonException e)
            {
                Reject(new StatusEvent(SandboxStatus.CreationError, $"Invalid init message: {e.Message}"), CloseCodes.ApplicationError);
                return;
            }
            if (_options.CreationRefusal(settings) is { } refusal)
            {
                Reject(new StatusEvent(SandboxStatus.CreationError, refusal), CloseCodes.ApplicationError);
                return;
            }
            Become(Handshaking);
            StartCreate(settings);
        });
        CommonReceives();
    }

    private void StartCreate(SandboxSettings settings)
    {
        _createSettings = settings;
        _token = SandboxIdentity.NewToken();
        _placement = new CreatePlacement { StartedAt = DateTime.UtcNow, MaxAttempts = _options.CreatePlacementAttempts, BusyWait = _options.CreateBusyWait };
        if (_owner is not null && _options.KeyQuotas.Any)
        {
            // quotas are counted cluster-wide in the catalog, which any host answers for
            var owner = _owner;
            HostAgents.AskAnyAsync<Sandbox.Actors.Catalog.CatalogMessages.Counted>(Context.System, NodeRoles.SandboxHost,
                    new Sandbox.Actors.Catalog.CatalogMessages.Count(owner, DateTimeOffset.UtcNow.AddMinutes(-1)))
                .PipeTo(Self, success: c => (object?)c ?? new QuotaUnknown("no sandbox host answered"), failure: e => new QuotaUnknown(e.GetBaseException().Message));
            return;
        }
        AskBoard();
    }

    private void OnQuotaCounted(Sandbox.Actors.Catalog.CatalogMessages.Counted c)
    {
        if (_options.KeyQuotas.Refusal(c.Held, c.CreatedSince) is not { } over)
        {
            AskBoard();
            return;
        }
        _log.Info("Create refused for the quota of {0}: {1}", ApiKeys.ShortFingerprint(_owner!), over.Reason);
        Audit("create", "refused", over.Reason);
        _out.Answer(new ServerMessage.Status(SandboxStatus.CreationError));
        _out.Answer(new ServerMessage.Error(over.Reason, CapacityShortage.Quota, over.RetryAfter));
        Close(CloseCodes.ApplicationError);
    }

    /// <summary>Asks this node's placement board for a host with room and an id on it; a full cluster
    /// is refused here, before any host is involved.</summary>
    private void AskBoard()
    {
        if (NodeShuttingDown)
        {
            Follow(new PlacementStep.Refuse(ShuttingDownMessage, Busy: false));   // no room here: another gateway has
            return;
        }
        var decision = PlacementBoard.Get(Context.System).Place(_placement!.RefusedBy, _options.ClusterLimits, near: _createSettings?.Fork?.SourceId);
        Follow(_placement.OnBoard(decision, DateTime.UtcNow));
    }

    private void Follow(PlacementStep step)
    {
        switch (step)
        {
            case PlacementStep.Place p:
                _placement = p.Placement;
                _sandboxId = p.SandboxId;
                _placedOn = p.Node;
                SendHandshake(new CreateSandbox(_sandboxId, SandboxIdentity.HashToken(_token!), _createSettings!, new ClientRef(Self)) { Owner = _owner });
                break;
            case PlacementStep.RetryAfter r:
                _placement = r.Placement;
                Timers.StartSingleTimer("place", PlaceAgain.Instance, r.Delay);
                break;
            case PlacementStep.AskBoard a:
                _placement = a.Placement;
                AskBoard();
                break;
            case PlacementStep.Refuse r:
                _log.Info("Create refused: {0}", r.Reason);
                _out.Answer(new ServerMessage.Status(SandboxStatus.CreationError));
                _out.Answer(new ServerMessage.Error(r.Reason, r.Busy ? CapacityShortage.Busy : CapacityShortage.Full));
                Close(CloseCodes.ApplicationError);
                break;
        }
    }

    private void StartAttach(SessionMode.Attach a)
    {
        _sandboxId = a.SandboxId;
        if (string.IsNullOrEmpty(a.Token))
        {
            Reject(SessionReplies.MissingToken());
            return;
        }
        if (!SandboxIdentity.IsWellFormed(a.SandboxId))
        {
            Reject(SessionReplies.NotFound());   // nothing we issued looks like this; do not wake a sharding entity for it
            return;
        }
        SendHandshake(new AttachSandbox(a.SandboxId, SandboxIdentity.HashToken(a.Token), new ClientRef(Self)) { Caller = _owner });
    }

    /// <summary>A handshake that cannot go on fails as a creation error for a create, a restore error for an attach.</summary>
    private static string FailureStatus(IWithSandboxId? handshake) =>
        handshake is CreateSandbox ? SandboxStatus.CreationError : SandboxStatus.RestoreError;

    private void SendHandshake(IWithSandboxId message)
    {
        if (NodeShuttingDown)
        {
            Reject(new StatusEvent(FailureStatus(message), ShuttingDownMessage), CloseCodes.ApplicationError);
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

    private void Handshaking()
    {
        Receive<HandshakeTick>(_ => OnHandshakeTick());
        Receive<SandboxAttached>(_ =>
        {
            Audit(_token is not null ? "create" : "attach", "ok");
            HandshakeAnswered();
            _sandbox = Sender;
            Context.Watch(_sandbox);
            if (_token is not null) _out.Answer(new ServerMessage.SandboxId(_sandboxId, _token));
            _out.Answer(new ServerMessage.Status(SandboxStatus.Running));
            if (_detachOnceCreated)
            {
                Close(CloseCodes.Normal);   // the outbox finishing ends the session, which lets the sandbox go
                return;
            }
            Become(Active);
            if (_afterAttach is { } x) _sandbox.Tell(x with { SandboxId = _sandboxId }, Self);
            Stash.UnstashAll();
        });
        Receive<HostRefusedCreate>(r =>
        {
            if (r.SandboxId != _sandboxId || _handshake is not CreateSandbox) return;   // a late answer to an earlier attempt
            HandshakeAnswered();
            PlacementBoard.Get(Context.System).Learned(r.Node, r.SandboxId);
            Follow(_placement!.OnHostRefused(r.Node, r.Reason, r.Busy, DateTime.UtcNow));
        });
        Receive<PlaceAgain>(_ => AskBoard());
        Receive<Sandbox.Actors.Catalog.CatalogMessages.Counted>(OnQuotaCounted);
        Receive<QuotaUnknown>(q =>
        {
            // a quota that cannot be counted is not waived: the client hears why and may retry
            _out.Answer(new ServerMessage.Status(SandboxStatus.CreationError));
            _out.Answer(new ServerMessage.Error($"The API key's quota could not be checked ({q.Reason}); try again shortly.", CapacityShortage.Busy, TimeSpan.FromSeconds(5)));
            Close(CloseCodes.ApplicationError);
        });
        Receive<SandboxRejected>(r =>
        {
            Audit(_handshake is CreateSandbox ? "create" : "attach", "refused", $"{r.Status}{(r.Error is null ? "" : ": " + r.Error)}");
            HandshakeAnswered();
            Reject(r);
        });
        Receive<StatusEvent>(s =>
        {
            // e.g. SANDBOX_RESTORING: the sandbox has the request; a restore may take a while
            Timers.Cancel("handshake");
            SendStatus(s);
        });
        // Messages sent before SANDBOX_RUNNING (clients send `reconnect` at once) wait, in order.
        Receive<ClientConnection.Frame>(_ => Stash.Stash());
        CommonReceives();
    }

    private void OnHandshakeTick()
    {
        if (_handshake is null) return;
        var status = FailureStatus(_handshake);
        if (NodeShuttingDown)
        {
            // the region is handing its shards off: a retry could wait for a home that never comes
            HandshakeAnswered();
            Reject(new StatusEvent(status, ShuttingDownMessage), CloseCodes.ApplicationError);
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
        Reject(new StatusEvent(status,
            $"Timed out trying to {(creating ? "create" : "reach")} sandbox {_sandboxId}: no sandbox host answered within " +
            $"{(creating ? _options.CreateTimeout : _options.HandshakeTimeout).TotalSeconds:0} s (a host may be down, or the journal unreachable)."),
            CloseCodes.ApplicationError);
    }

    private void Reject(SandboxRejected r) => Reject(new StatusEvent(r.Status, r.Error), r.CloseCode);

    private void Reject(StatusEvent status, int closeCode)
    {
        SendStatus(status);
        Close(closeCode);
    }

    // ---- session phase -----------------------------------------------------------------------------

    private void Active()
    {
        Receive<ClientConnection.Frame>(f =>
        {
            _out.FrameHandled();
            switch (ClientCommandParser.Parse(_sandboxId, f.Text))
            {
                case ClientCommandParser.Command c:
                    if (c.Message is KillSandbox or CheckpointSandbox or SnapshotFilesystem)
                        Audit(c.Message switch { KillSandbox => "kill", CheckpointSandbox => "checkpoint", _ => "snapshot" }, "requested");
                    _sandbox!.Tell(c.Message, Self);
                    break;
                case ClientCommandParser.Rejected r:
                    SendStatus(new StatusEvent(r.Status, r.Message));
                    break;
            }
        });
        Receive<StatusEvent>(SendStatus);
        Receive<ExecutionEvent>(e => _out.Execution(e.Kind switch
        {
            ExecutionEventKind.Stdout => new ServerMessage.Output(false, e.Data),
            ExecutionEventKind.Stderr => new ServerMessage.Output(true, e.Data),
            _ => new ServerMessage.Status(e.Data),
        }, Sender, _sandboxId, e.Seq));
        Receive<CloseSession>(c => Close(c.Code));
        Receive<SessionReplaced>(_ => Released());
        Receive<Terminated>(t =>
        {
            if (!Equals(t.ActorRef, _sandbox)) return;
            // The sandbox went away without a word: its host crashed or was cut off.
            _sandbox = null;
            Reject(new StatusEvent(SandboxStatus.Error,
                $"Lost contact with sandbox {_sandboxId}: its host is gone. Attach again to restore it from its last checkpoint, if it has one."),
                CloseCodes.ApplicationError);
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
            Receive<ClientConnection.Frame>(f =>
            {
                _out.FrameHandled();
                switch (ClientCommandParser.Parse(_sandboxId, f.Text))
                {
                    case ClientCommandParser.Command c:
                        foreach (var e in SessionReplies.WhenAbsent(c.Message, _sandboxId, "RELEASED")) Self.Tell(e);
                        break;
                    case ClientCommandParser.Rejected r:
                        SendStatus(new StatusEvent(r.Status, r.Message));
                        break;
                }
            });
            Receive<StatusEvent>(SendStatus);
            Receive<CloseSession>(c => Close(c.Code));
            CommonReceives();
        });
    }

    private void Closing()
    {
        Receive<SandboxAttached>(_ => Sender.Tell(new DetachSession(_sandboxId, new ClientRef(Self))));   // too late: let go
        Receive<Terminated>(_ => { });
        CommonReceives();
    }

    private void CommonReceives()
    {
        Receive<ClientConnection.TooBig>(m =>
        {
            SendStatus(new StatusEvent(SandboxStatus.Error, $"Message too big: the limit is {m.Limit} bytes."));
            Close(1009);
        });
        Receive<ClientConnection.Frame>(_ => _out.FrameHandled());   // closing: nothing more to answer
        Receive<ClientOutbox.Finished>(_ => Leave());
        Receive<ClientOutbox.Failed>(f =>
        {
            _log.Info("Client connection of {0} ended: {1}", _sandboxId, f.Cause.Message);
            Leave();
        });
        Receive<ClientConnection.Disconnected>(_ => Leave());
        ReceiveAny(_ => { });
    }

    /// <summary>The connection is over: let the sandbox know (it keeps running, or ends if one-shot) and stop.</summary>
    private void Leave()
    {
        AbandonCreate();
        _sandbox?.Tell(new DetachSession(_sandboxId, new ClientRef(Self)));
        Context.Stop(Self);
    }

    /// <summary>A create still in flight when its client gives up (or we do) would leave a sandbox whose
    /// id and token nobody ever received, running until its idle timeout: delete it instead (a host
    /// that has not created it yet answers the kill as absent, and one still starting it deletes it
    /// once started).</summary>
    private void AbandonCreate()
    {
        // on a node shutting down a message for a shard nobody holds would stall the region's hand-off
        if (_handshake is not CreateSandbox create || NodeShuttingDown) return;
        _region.Tell(new KillSandbox(create.SandboxId));
        HandshakeAnswered();
    }

    private void Audit(string action, string outcome, string? detail = null) =>
        _audit.Record(action, outcome, _owner, _sandboxId.Length > 0 ? _sandboxId : null, _remote, detail);

    // ---- output -----------------------------------------------------------------------------------

    private void SendStatus(StatusEvent s)
    {
        _out.Answer(new ServerMessage.Status(s.Status));
        if (s.Error is not null) _out.Answer(new ServerMessage.Error(s.Error));
    }

    /// <summary>Sends the close after everything queued before it; then only the connection's end matters.</summary>
    private void Close(int code)
    {
        Become(Closing);
        _out.Close(code);
    }

    protected override void PostStop()
    {
        if (_placedOn is { } node) PlacementBoard.Get(Context.System).Settled(node);
        _out.Complete();
        base.PostStop();
    }

    private sealed class HandshakeTick
    {
        public static readonly HandshakeTick Instance = new();
    }

    private sealed class PlaceAgain
    {
        public static readonly PlaceAgain Instance = new();
    }

    private sealed record QuotaUnknown(string Reason);
}
