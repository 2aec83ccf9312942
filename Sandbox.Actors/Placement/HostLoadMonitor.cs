using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Sandbox.Actors.Hosts;

namespace Sandbox.Actors.Placement;

/// <summary>
/// Polls the host agent of every reachable, Up sandbox host for its <see cref="HostLoad"/> and
/// publishes the result on the node's <see cref="PlacementBoard"/>. Runs on every node: gateways
/// place new sandboxes with it, and hosts allocate new shards with it. A host that is still a
/// reachable member but did not answer one poll in time (a busy machine) keeps its last report for
/// <see cref="MissedPollGrace"/>: dropping it would make the board believe the cluster is that much
/// smaller and refuse creates as "full" while the host has room.
/// </summary>
public sealed class HostLoadMonitor : ReceiveActor, IWithTimers
{
    public const string Name = "host-load-monitor";
    private readonly PlacementBoard _board;
    private readonly string _hostRole;
    private readonly ActorSystem _system;
    private bool _polling;
    /// <summary>Each host's last report and when it came.</summary>
    private readonly Dictionary<string, (HostLoad Load, DateTime At)> _lastReports = new();

    public static readonly TimeSpan MissedPollGrace = TimeSpan.FromSeconds(10);

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
        Receive<Polled>(p =>
        {
            _polling = false;
            _board.Update(Merge(_lastReports, p.Members, p.Answers, DateTime.UtcNow));
        });
        Receive<Status.Failure>(f =>
        {
            _polling = false;
            log.Warning("Polling the sandbox hosts' load failed: {0}", f.Cause.Message);
        });
        Timers.StartPeriodicTimer("poll", Poll.Instance, TimeSpan.Zero, interval);
    }

    private async Task<Polled> PollAsync()
    {
        var members = HostAgents.Members(_system, _hostRole).Select(a => a.ToString()).ToList();
        var answers = await HostAgents.AskAllAsync<HostLoad>(_system, _hostRole, GetHostLoad.Instance);
        return new Polled(members, answers.Select(a => a.Answer).ToList());
    }

    /// <summary>This poll's answers, plus the last report of members that missed it within the grace.</summary>
    internal static PlacementView Merge(Dictionary<string, (HostLoad Load, DateTime At)> lastReports, IReadOnlyList<string> members,
        IReadOnlyList<HostLoad> answers, DateTime now)
    {
        foreach (var load in answers) lastReports[load.Node] = (load, now);
        foreach (var gone in lastReports.Keys.Where(n => !members.Contains(n)).ToList()) lastReports.Remove(gone);
        var hosts = members
            .Where(m => lastReports.TryGetValue(m, out var r) && now - r.At <= MissedPollGrace)
            .Select(m => lastReports[m].Load)
            .ToList();
        return new PlacementView(hosts, now);
    }

    private sealed record Polled(IReadOnlyList<string> Members, IReadOnlyList<HostLoad> Answers);

    private sealed class Poll
    {
        public static readonly Poll Instance = new();
    }
}
