using Sandbox.Actors.Hosts;
using Akka.Actor;
using Akka.Cluster;
using Akka.Remote;
using Akka.Remote.Transport;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>A sandbox host in a three-host cluster whose network can be black-holed (Akka's throttler).</summary>
public sealed class PartitionableNode(ServerFixture? seed, bool gateway) : ServerFixture
{
    public const string Throttled = "akka.remote.dot-netty.tcp.applied-adapters = [trttl]";

    public ActorSystem System => App.Services.GetRequiredService<ActorSystem>();

    protected override SandboxHostSettings Customize(SandboxHostSettings s) => s with
    {
        Roles = gateway ? [NodeRoles.Gateway, NodeRoles.SandboxHost] : [NodeRoles.SandboxHost],
        SeedNodes = seed is null ? [] : [Cluster.Get(((PartitionableNode)seed).System).SelfAddress.ToString()],
        ExtraHocon = Throttled,
    };

    /// <summary>Drops all traffic between this node and <paramref name="peer"/>, both ways.</summary>
    public Task BlackHole(Address peer) =>
        ((RemoteActorRefProvider)((ExtendedActorSystem)System).Provider).Transport
            .ManagementCommand(new SetThrottle(peer, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance));
}

/// <summary>Issue 5 item 7: the resolver keeps the majority of sandbox hosts, and a downed host
/// removes its own containers so that no sandbox runs twice.</summary>
public class PartitionSpec
{
    private const string S = "status:";

    [Fact]
    public async Task A_black_holed_host_is_downed_by_the_majority_and_removes_its_containers()
    {
        var a = new PartitionableNode(null, gateway: true);
        await a.InitializeAsync();
        var b = new PartitionableNode(a, gateway: false);
        var c = new PartitionableNode(a, gateway: false);
        var clients = new List<WsClient>();
        try
        {
            await Task.WhenAll(b.InitializeAsync(), c.InitializeAsync());
            await ExecuteEndpointSpec.Eventually(() =>
                Assert.Equal(3, Cluster.Get(a.System).State.Members.Count(m => m.Status == MemberStatus.Up)), TimeSpan.FromSeconds(30));

            // create sandboxes through the gateway until one lives on the host we are about to cut off
            var registryOfC = new ContainerRegistry(c.Settings.DataDir);
            WsClient? onC = null;
            for (var i = 0; i < 20 && onC is null; i++)
            {
                var (client, id, _) = await CheckpointSpec.Create(a, new { idle_timeout = 120 });
                clients.Add(client);
                if (registryOfC.List().Contains(id)) onC = client;
            }
            Assert.NotNull(onC);

            var cAddress = Cluster.Get(c.System).SelfAddress;
            await a.BlackHole(cAddress);
            await b.BlackHole(cAddress);

            // the majority (a, b) downs c; c, alone, downs itself and its coordinated shutdown runs
            await c.System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(90));
            await ExecuteEndpointSpec.Eventually(() =>
                Assert.DoesNotContain(Cluster.Get(a.System).State.Members, m => m.Address == cAddress), TimeSpan.FromSeconds(30));
            Assert.Empty(registryOfC.List());
            Assert.Empty(Directory.GetDirectories(Path.Combine(c.Dir, "bundles")));

            // the client of the lost sandbox is told and closed
            var events = await onC.ReadUntilClosedAsync(TimeSpan.FromSeconds(30));
            Assert.Contains(S + SandboxStatus.Error, events);
            Assert.Equal(4000, onC.CloseStatus);
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
            await c.DisposeAsync();
            await b.DisposeAsync();
            await a.DisposeAsync();
        }
    }
}
