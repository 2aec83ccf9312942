using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Configuration;

/// <summary>A sandbox host and a gateway whose remoting runs mutual TLS (node-a, node-b of the cluster CA).</summary>
public sealed class TlsClusterFixture : IAsyncLifetime
{
    public ClusterCertificates Certificates { get; } = new();
    public TlsNode Host { get; private set; } = null!;
    public TlsNode Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = new TlsNode(Certificates, "node-a", "gateway,sandbox-host", seed: null);
        await Host.InitializeAsync();
        Gateway = new TlsNode(Certificates, "node-b", "gateway", Host);
        await Gateway.InitializeAsync();
        await ExecuteEndpointSpec.Eventually(() =>
            Assert.Equal(2, Cluster.Get(Host.System).State.Members.Count(m => m.Status == MemberStatus.Up)), TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        try
        {
            await Gateway.DisposeAsync();
            await Host.DisposeAsync();
        }
        finally { Certificates.Dispose(); }
    }
}
