using Sandbox.Core.Sandboxes;
using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Actors.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Configuration;

/// <summary>
/// Issue 18 item 3: cluster traffic is authenticated. Nodes holding certificates of the cluster's CA
/// form the cluster and serve sandboxes across it; a node without one (no TLS at all, TLS without a
/// client certificate, a certificate of another CA, an expired one of the right CA) can neither join
/// nor deliver a message to an actor of the cluster.
/// </summary>
public class RemotingTlsSpec(TlsClusterFixture cluster) : IClassFixture<TlsClusterFixture>
{
    private const string S = "status:";

    [Fact]
    public async Task Nodes_with_certificates_of_the_cluster_CA_form_the_cluster_and_serve_a_sandbox_across_it()
    {
        var members = Cluster.Get(cluster.Host.System).State.Members.Where(m => m.Status == MemberStatus.Up).ToList();
        Assert.Equal(2, members.Count);
        Assert.All(members, m => Assert.Equal("akka.ssl.tcp", m.Address.Protocol));

        // created through the gateway-only node: every message to and from the sandbox crosses TLS remoting
        var (c, _, _) = await CheckpointSpec.Create(cluster.Gateway, new { idle_timeout = 60 });
        try
        {
            var events = await CheckpointSpec.Run(c, "python", "print(6 * 7)");
            Assert.Contains("stdout:42\n", events);
            Assert.Equal(S + SandboxStatus.ExecutionDone, events[^1]);
        }
        finally { await CheckpointSpec.KillAndDispose(c); }
    }

    [Fact]
    public async Task A_node_without_a_valid_certificate_can_neither_join_nor_deliver_a_message()
    {
        var certs = cluster.Certificates;
        var received = new ConcurrentQueue<string>();
        var target = cluster.Host.System.ActorOf(Props.Create(() => new Recorder(received)), "tls-target-" + Guid.NewGuid().ToString("N")[..8]);
        var hostAddress = Cluster.Get(cluster.Host.System).SelfAddress;
        using var nodeC = certs.Node("node-c");

        // the control shows that this way of joining and sending works when the certificate is right
        var outsiders = new Dictionary<string, ActorSystem>
        {
            ["control"] = Outsider(nodeC, PeerCertificates.SignedBy(certs.Authorities)),
            ["no-tls"] = Outsider(null),
            ["no-client-certificate"] = Outsider(certs.SelfSigned, presentCertificate: false),
            ["another-ca"] = Outsider(certs.OfAnotherAuthority),
            ["self-signed"] = Outsider(certs.SelfSigned),
            ["expired"] = Outsider(certs.Expired),
        };
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            foreach (var (_, system) in outsiders) Cluster.Get(system).Join(AddressFor(system, hostAddress));
            // keep sending for the whole window: a refused association drops what was sent on it
            while (DateTime.UtcNow < deadline)
            {
                foreach (var (name, system) in outsiders)
                    system.ActorSelection(new RootActorPath(AddressFor(system, hostAddress)) / target.Path.Elements).Tell("hello from " + name);
                await Task.Delay(500);
            }
            var clusterMembers = Cluster.Get(cluster.Host.System).State.Members.Select(m => m.Address).ToHashSet();
            foreach (var (name, system) in outsiders.Where(o => o.Key != "control"))
            {
                Assert.False(clusterMembers.Contains(Self(system)), $"{name} joined the cluster");
                Assert.DoesNotContain("hello from " + name, received);
                Assert.DoesNotContain(Cluster.Get(system).State.Members, m => m.Status == MemberStatus.Up);
            }
            await ExecuteEndpointSpec.Eventually(() =>
                Assert.Contains(Cluster.Get(cluster.Host.System).State.Members, m => m.Address == Self(outsiders["control"]) && m.Status == MemberStatus.Up),
                TimeSpan.FromSeconds(20));
            Assert.Contains("hello from control", received);
        }
        finally
        {
            await Cluster.Get(outsiders["control"]).LeaveAsync().WaitAsync(TimeSpan.FromSeconds(20)).ContinueWith(_ => { });
            await Task.WhenAll(outsiders.Values.Select(s => s.Terminate()));
            cluster.Host.System.Stop(target);
        }
    }

    [Fact]
    public void Remoting_listens_on_loopback_only_when_that_is_its_address()
    {
        var self = Cluster.Get(cluster.Host.System).SelfAddress;
        Assert.Equal("127.0.0.1", self.Host);
        Assert.Equal(["127.0.0.1"], ListeningAddresses(self.Port!.Value));
    }

    /// <summary>The addresses TCP sockets of this machine listen on at <paramref name="port"/> (/proc/net/tcp and tcp6;
    /// an IPv6 socket bound to a v4-mapped address counts as that IPv4 address).</summary>
    internal static List<string> ListeningAddresses(int port) =>
        new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).SelectMany(File.ReadLines).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 3 && f[3] == "0A" && f[1].EndsWith(":" + port.ToString("X4"), StringComparison.Ordinal))
            .Select(f => ProcNetAddress(f[1].Split(':')[0]).ToString())
            .Distinct().ToList();

    /// <summary>/proc/net/tcp* print an address as 32-bit words in host (little-endian) order.</summary>
    private static System.Net.IPAddress ProcNetAddress(string hex)
    {
        var bytes = Enumerable.Range(0, hex.Length / 8)
            .SelectMany(w => Enumerable.Range(0, 4).Select(i => Convert.ToByte(hex.Substring(w * 8 + 6 - 2 * i, 2), 16)))
            .ToArray();
        var address = new System.Net.IPAddress(bytes);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    /// <summary>
    /// An ActorSystem named like the cluster's, on loopback, joining the way a node does. With a
    /// certificate it speaks TLS (and, unless <paramref name="presentCertificate"/> is false, offers the
    /// certificate to the servers it connects to); it accepts whatever the cluster presents, as an
    /// intruder would.
    /// </summary>
    private static ActorSystem Outsider(X509Certificate2? certificate, CertificateValidationCallback? validator = null, bool presentCertificate = true)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, enable-ssl = {{(certificate is null ? "off" : "on")}} }
            akka.cluster.roles = [gateway]
            akka.loglevel = ERROR
            akka.stdout-loglevel = OFF
            """);
        var bootstrap = BootstrapSetup.Create().WithConfig(config);
        var setup = certificate is null
            ? ActorSystemSetup.Create(bootstrap)
            : bootstrap.And(new DotNettySslSetup(certificate, suppressValidation: validator is null, requireMutualAuthentication: presentCertificate,
                validateCertificateHostname: false, customValidator: validator));
        return ActorSystem.Create("sandbox", setup);
    }

    private static Address Self(ActorSystem system) => Cluster.Get(system).SelfAddress;

    /// <summary>The host's address in the scheme of <paramref name="system"/>'s own transport (a plain node says akka.tcp).</summary>
    private static Address AddressFor(ActorSystem system, Address host) => host.WithProtocol(Self(system).Protocol);

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(ConcurrentQueue<string> received) => Receive<string>(received.Enqueue);
    }
}

