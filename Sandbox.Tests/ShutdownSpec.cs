using System.Net;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>A node on its way out (SIGTERM, node drain) sends clients elsewhere instead of feeding its region new work.</summary>
public class ShutdownSpec
{
    [Fact]
    public async Task A_node_shutting_down_is_not_ready_and_refuses_new_sandboxes_with_a_clear_message()
    {
        await using var server = new ServerFixtureHandle();
        await server.Fixture.InitializeAsync();
        var system = server.Fixture.App.Services.GetRequiredService<ActorSystem>();
        var (attached, id, token) = await CheckpointSpec.Create(server.Fixture, new { idle_timeout = 60 });
        await attached.DisposeAsync();

        // hold the shutdown open after the node stopped admitting work, so that we can look at it
        var release = new TaskCompletionSource();
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "test-holds-shutdown", async () =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return Akka.Done.Instance;
        });
        var running = shutdown.Run(CoordinatedShutdown.ClrExitReason.Instance);
        try
        {
            using var http = new HttpClient { BaseAddress = server.Fixture.HttpBase };
            var ready = await http.GetAsync("/healthz/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("shutting down", await ready.Content.ReadAsStringAsync());

            var execute = await http.PostAsync("/execute?language=bash", new StringContent("echo never"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, execute.StatusCode);
            Assert.Contains("shutting down", await execute.Content.ReadAsStringAsync());

            await using var attach = await WsClient.ConnectAsync(new Uri(server.Fixture.WsBase, $"/attach/{id}?sandbox_token={token}"));
            var events = await attach.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));
            Assert.Contains(events, e => e.StartsWith("error:This server is shutting down"));
        }
        finally
        {
            release.TrySetResult();
        }
        await running.WaitAsync(TimeSpan.FromSeconds(60));   // and it finishes promptly once released
    }

    /// <summary>Disposes the fixture even when the test fails half-way.</summary>
    private sealed class ServerFixtureHandle : IAsyncDisposable
    {
        public ServerFixture Fixture { get; } = new();
        public async ValueTask DisposeAsync() => await Fixture.DisposeAsync();
    }
}
