using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Sandbox.Actors.Hosts;

namespace Sandbox.Actors.Placement;

/// <summary>
/// Polls the host agent of every reachable, Up sandbox host for its <see cref="HostLoad"/> and
/// publishes the result on the node's <see cref="PlacementBoard"/>. Runs on every node: gateways
/// place new sandboxes with it, and hosts allocate new shards with it.
/// </summary>
public sealed class HostLoadMonitor : ReceiveActor, IWithTimers
{
    public const string Name = "host-load-monitor";
    private readonly PlacementBoard _board;
    private readonly string _hostRole;
    private readonly ActorSystem _system;
    private bool _polling;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props PropsFor(string hostRole, TimeSpan interval) => Props.Create(() => new HostLoadMonitor(hostRole, interval));

    public HostLoadMonitor(string hostRole, TimeSpan interval)
    {
        _system = Context.System;
        _board = PlacementBoard.Get(_system);
        _hostRole = hostRole;
        var log = Context.GetLogger();

        Receive<Poll>(_ =>
        {
            if (_polling) return;   // a slow host must not pile polls up
            _polling = true;
            PollAsync().PipeTo(Self);
        });
        Receive<PlacementView>(v =>
        {
            _polling = false;
            _board.Update(v);
        });
        Receive<Status.Failure>(f =>
        {
            _polling = false;
            log.Warning("Polling the sandbox hosts' load failed: {0}", f.Cause.Message);
        });
        Timers.StartPeriodicTimer("poll", Poll.Instance, TimeSpan.Zero, interval);
    }

    private async Task<PlacementView> PollAsync()
    {
        var answers = await HostAgents.AskAllAsync<HostLoad>(_system, _hostRole, GetHostLoad.Instance);
        return new PlacementView(answers.Select(a => a.Answer).ToList(), DateTime.UtcNow);
    }

    private sealed class Poll
    {
        public static readonly Poll Instance = new();
    }
}
