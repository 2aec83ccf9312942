using Akka.Actor;
using Akka.Hosting;
using NLog.Web;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Sandbox.Actors.Telemetry;
using Sandbox.Host.Configuration;

namespace Sandbox.Host.Admin;

/// <summary>
/// The admin API: a Kestrel listener of its own (SANDBOX_ADMIN_HOST:SANDBOX_ADMIN_PORT), separate
/// from the client-facing gateway so it can stay on loopback or a private interface. It serves
/// sandboxctl's endpoints (/admin/…), the dashboard (/) and the Prometheus scrape (/metrics).
/// Started after the ActorSystem (hosted services start in registration order), stopped with the node.
/// </summary>
public sealed class AdminServer(IServiceProvider node, SandboxHostSettings settings, NodeResources resources, ILogger<AdminServer> log) : IHostedService
{
    private WebApplication? _app;

    public static void Register(WebApplicationBuilder builder, SandboxHostSettings s, NodeResources resources)
    {
        if (s.AdminPort == 0) return;
        builder.Services.AddHostedService(sp => new AdminServer(sp, s, resources, sp.GetRequiredService<ILogger<AdminServer>>()));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var system = node.GetRequiredService<ActorSystem>();
        var region = node.GetRequiredService<IRequiredActor<SandboxRegion>>().ActorRef;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls($"http://{(settings.AdminHost.Contains(':') ? $"[{settings.AdminHost}]" : settings.AdminHost)}:{settings.AdminPort}");
        builder.Logging.ClearProviders();
        builder.Host.UseNLog();
        var admin = new AdminContext(system, region, settings, resources);
        builder.Services.AddSingleton(admin);
        builder.Services.AddSingleton(new DrainReport(admin));
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("gvisor-sandbox", serviceInstanceId: system.Name + "@" + Akka.Cluster.Cluster.Get(system).SelfAddress))
            .WithMetrics(m => m.AddMeter(SandboxMetrics.MeterName).AddPrometheusExporter());
        var app = builder.Build();
        app.UseAdminErrors();
        app.UseAdminToken(settings.AdminToken);
        app.MapDashboard();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapClusterAdmin();
        app.MapShardingAdmin();
        app.MapSandboxAdmin();
        app.MapNodeAdmin();
        app.MapLogAdmin();
        app.MapActorAdmin();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new InvalidConfigurationException(new ConfigurationProblem("SANDBOX_ADMIN_PORT", settings.AdminPort.ToString(),
                $"the admin API cannot listen on {settings.AdminHost}:{settings.AdminPort} ({e.Message}): expected a free port, or 0 to turn it off"), e);
        }
        _app = app;
        log.LogInformation("Admin API (sandboxctl, dashboard, /metrics) on http://{Host}:{Port}{Auth}", settings.AdminHost, settings.AdminPort,
            settings.AdminToken is null ? "" : " (bearer token required)");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is null) return;
        await _app.StopAsync(cancellationToken);
        await _app.DisposeAsync();
    }
}
