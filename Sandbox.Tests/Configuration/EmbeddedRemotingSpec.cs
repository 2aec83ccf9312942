using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Configuration;

/// <summary>The embedded default (no seeds, no variables about remoting): remoting binds to loopback
/// only, so nothing off this machine can reach it, with or without TLS.</summary>
public class EmbeddedRemotingSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public void The_embedded_node_binds_remoting_to_loopback_only()
    {
        var self = Cluster.Get(server.App.Services.GetRequiredService<ActorSystem>()).SelfAddress;
        Assert.Empty(server.Settings.SeedNodes);
        Assert.False(server.Settings.Tls.Enabled);
        Assert.Equal(("akka.tcp", "127.0.0.1"), (self.Protocol, self.Host));
        Assert.Equal(["127.0.0.1"], RemotingTlsSpec.ListeningAddresses(self.Port!.Value));
    }
}
