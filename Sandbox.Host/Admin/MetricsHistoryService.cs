using Akka.Actor;
using Sandbox.Actors.Telemetry;
using Sandbox.Host.Configuration;

namespace Sandbox.Host.Admin;

/// <summary>
/// Starts a sandbox host's <see cref="MetricsHistoryActor"/> (whether or not this node serves the admin
/// API: a gateway's dashboard charts every host's history). The sample interval is
/// <c>sandbox.metrics-history.interval</c> in HOCON (10 s by default).
/// </summary>
public sealed class MetricsHistoryService(IServiceProvider node, SandboxHostSettings settings, NodeResources resources) : IHostedService
{
    public const string IntervalPath = "sandbox.metrics-history.interval";
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    public static void Register(WebApplicationBuilder builder, SandboxHostSettings s, NodeResources resources)
    {
        if (!s.IsSandboxHost) return;
        builder.Services.AddHostedService(sp => new MetricsHistoryService(sp, s, resources));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var system = node.GetRequiredService<ActorSystem>();
        var configured = system.Settings.Config.GetTimeSpan(IntervalPath, DefaultInterval, allowInfinite: false);
        var interval = configured < TimeSpan.FromMilliseconds(100) ? DefaultInterval : configured;
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();
        system.ActorOf(MetricsHistoryActor.PropsFor(new MetricsHistorySource(self, resources.Capacity, resources.Registry, settings.Runsc, resources.Catalog), interval),
            MetricsHistoryActor.Name);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
