using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Sandbox.Actors.Hosting;

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
    private readonly TimeSpan _askTimeout;
    private readonly ActorSystem _system;
    private bool _polling;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props PropsFor(string hostRole, TimeSpan interval) => Props.Create(() => new HostLoadMonitor(hostRole, interval));

    public HostLoadMonitor(string hostRole, TimeSpan interval)
    {
        _system = Context.System;
        _board = PlacementBoard.Get(_system);
        _askTimeout = interval < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : interval;
        var cluster = Cluster.Get(Context.System);
        var log = Context.GetLogger();

        Receive<Poll>(_ =>
        {
            if (_polling) return;   // a slow host must not pile polls up
            _polling = true;
            var state = cluster.State;
            var hosts = state.Members
                .Where(m => m.Status == MemberStatus.Up && m.HasRole(hostRole) && !state.Unreachable.Contains(m))
                .Select(m => m.Address).ToList();
            PollAsync(hosts).PipeTo(Self);
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

    private async Task<PlacementView> PollAsync(IReadOnlyList<Address> hosts)
    {
        var answers = await Task.WhenAll(hosts.Select(async a =>
        {
            try
            {
                return await _system.ActorSelection(new RootActorPath(a) / "user" / HostAgent.Name).Ask<HostLoad>(GetHostLoad.Instance, _askTimeout);
            }
            catch (Exception)
            {
                return null;   // slow or leaving: left out of this view
            }
        }));
        return new PlacementView(answers.OfType<HostLoad>().ToList(), DateTime.UtcNow);
    }

    private sealed class Poll
    {
        public static readonly Poll Instance = new();
    }
}
