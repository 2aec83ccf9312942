using System.Security.Cryptography.X509Certificates;
using Sandbox.Host.Configuration;
using static Sandbox.Tests.Configuration.EnvironmentBindingSpec;

namespace Sandbox.Tests.Configuration;

/// <summary>Issue 18 item 3, at start: a node checks its own TLS material and refuses to run with
/// anything its peers would refuse, or with TLS half configured.</summary>
public class RemotingTlsConfigSpec(ClusterCertificates certs) : IClassFixture<ClusterCertificates>
{
    private (string, string)[] NodeA =>
        [("SANDBOX_TLS_CERT", certs.CertificatePath("node-a")), ("SANDBOX_TLS_KEY", certs.KeyPath("node-a")), ("SANDBOX_TLS_CA", certs.AuthorityPath)];

    [Fact]
    public void A_certificate_of_the_cluster_CA_turns_TLS_on_and_loads_with_its_key()
    {
        var s = Bind(NodeA);
        Assert.True(s.Tls.Enabled);
        var material = RemotingTlsMaterial.Load(s.Tls);
        Assert.True(material.Certificate.HasPrivateKey);
        Assert.Equal("CN=node-a, O=gVisor sandbox host", material.Certificate.Subject);
        var ssl = material.ToSslOptions();
        Assert.True(ssl.RequireMutualAuthentication);
        Assert.False(ssl.SuppressValidation);
        Assert.NotNull(ssl.CustomValidator);
    }

    [Fact]
    public void Remoting_on_loopback_without_certificates_stays_plain_and_anywhere_else_needs_them()
    {
        Assert.False(Bind().Tls.Enabled);
        Assert.False(Bind(("SANDBOX_AKKA_HOST", "localhost")).Tls.Enabled);
        var problems = Problems(("SANDBOX_AKKA_HOST", "0.0.0.0"));
        Assert.Equal(["SANDBOX_TLS_CERT", "SANDBOX_TLS_CA"], problems.Select(p => p.Variable));
        Assert.All(problems, p => Assert.Contains("SANDBOX_TLS=false", p.Message));
        // turned off explicitly, remoting beyond loopback runs plain (the operator's choice, said out loud)
        Assert.False(Bind(("SANDBOX_AKKA_HOST", "0.0.0.0"), ("SANDBOX_TLS", "false")).Tls.Enabled);
    }

    [Fact]
    public void TLS_turned_off_while_certificates_are_named_is_refused_rather_than_ignored()
    {
        var problem = Assert.Single(Problems([.. NodeA, ("SANDBOX_TLS", "no")]));
        Assert.Equal("SANDBOX_TLS", problem.Variable);
        Assert.Contains("SANDBOX_TLS_CERT, SANDBOX_TLS_KEY, SANDBOX_TLS_CA are set", problem.Message);
    }

    [Fact]
    public void An_expired_certificate_of_its_own_stops_the_node()
    {
        var (crt, key) = certs.WritePem(certs.Expired, "own-expired");
        var problem = Assert.Single(Problems(("SANDBOX_TLS_CERT", crt), ("SANDBOX_TLS_KEY", key), ("SANDBOX_TLS_CA", certs.AuthorityPath)));
        Assert.Equal(("SANDBOX_TLS_CERT", crt), (problem.Variable, problem.Value));
        Assert.Contains("not now", problem.Message);
    }

    [Fact]
    public void A_certificate_the_cluster_CA_did_not_sign_stops_the_node()
    {
        var (crt, key) = certs.WritePem(certs.OfAnotherAuthority, "own-foreign");
        var problem = Assert.Single(Problems(("SANDBOX_TLS_CERT", crt), ("SANDBOX_TLS_KEY", key), ("SANDBOX_TLS_CA", certs.AuthorityPath)));
        Assert.Equal("SANDBOX_TLS_CERT", problem.Variable);
        Assert.Contains("not signed by SANDBOX_TLS_CA", problem.Message);
        // a self-signed one is its own CA, which nobody else trusts
        var (selfCrt, selfKey) = certs.WritePem(certs.SelfSigned, "own-self-signed");
        Assert.Contains("not signed by SANDBOX_TLS_CA",
            Assert.Single(Problems(("SANDBOX_TLS_CERT", selfCrt), ("SANDBOX_TLS_KEY", selfKey), ("SANDBOX_TLS_CA", certs.AuthorityPath))).Message);
    }

    [Fact]
    public void A_certificate_without_its_key_or_a_CA_file_without_certificates_stops_the_node()
    {
        var noKey = Assert.Single(Problems(("SANDBOX_TLS_CERT", certs.CertificatePath("node-a")), ("SANDBOX_TLS_CA", certs.AuthorityPath)));
        Assert.Equal("SANDBOX_TLS_CERT", noKey.Variable);
        Assert.Contains("private key", noKey.Message);

        var notPem = Path.Combine(certs.Dir, "not-a-ca.pem");
        File.WriteAllText(notPem, "hello\n");
        var noCa = Assert.Single(Problems([.. NodeA[..2], ("SANDBOX_TLS_CA", notPem)]));
        Assert.Equal(("SANDBOX_TLS_CA", notPem), (noCa.Variable, noCa.Value));
    }

    [Fact]
    public void A_PKCS12_file_with_its_password_is_accepted_and_a_wrong_password_is_refused()
    {
        var p12 = Path.Combine(certs.Dir, "node-a.p12");
        using (var node = certs.Node("node-a")) File.WriteAllBytes(p12, node.Export(X509ContentType.Pkcs12, "s3cret"));

        Assert.True(RemotingTlsMaterial.Load(Bind(("SANDBOX_TLS_CERT", p12), ("SANDBOX_TLS_PASSWORD", "s3cret"), ("SANDBOX_TLS_CA", certs.AuthorityPath)).Tls).Certificate.HasPrivateKey);
        var wrong = Assert.Single(Problems(("SANDBOX_TLS_CERT", p12), ("SANDBOX_TLS_PASSWORD", "guess"), ("SANDBOX_TLS_CA", certs.AuthorityPath)));
        Assert.Equal("SANDBOX_TLS_CERT", wrong.Variable);
        Assert.DoesNotContain("s3cret", wrong.ToString());
        Assert.DoesNotContain("guess", wrong.ToString());
    }

    [Fact]
    public void Seeds_must_use_the_scheme_of_the_transport()
    {
        var withTls = Assert.Single(Problems([.. NodeA, ("SANDBOX_SEED_NODES", "akka.tcp://sandbox@127.0.0.1:4053")]));
        Assert.Equal("SANDBOX_SEED_NODES", withTls.Variable);
        Assert.StartsWith("expected akka.ssl.tcp:// addresses", withTls.Message);
        Assert.Equal(["akka.ssl.tcp://sandbox@127.0.0.1:4053"], Bind([.. NodeA, ("SANDBOX_SEED_NODES", "akka.ssl.tcp://sandbox@127.0.0.1:4053")]).SeedNodes);

        var withoutTls = Assert.Single(Problems(("SANDBOX_SEED_NODES", "akka.ssl.tcp://sandbox@127.0.0.1:4053")));
        Assert.StartsWith("expected akka.tcp:// addresses", withoutTls.Message);
    }

    [Fact]
    public void HOCON_from_the_environment_cannot_turn_TLS_off()
    {
        var problem = Assert.Single(Problems([.. NodeA, ("SANDBOX_AKKA_HOCON", "akka.remote.dot-netty.tcp.enable-ssl = off")]));
        Assert.Equal("SANDBOX_AKKA_HOCON", problem.Variable);
        Assert.Single(Problems(("SANDBOX_AKKA_HOCON", "akka.remote.dot-netty.tcp.ssl.suppress-validation = on")));
    }

    [Fact]
    public void The_peer_check_accepts_the_cluster_CA_only_and_only_while_valid()
    {
        using var nodeB = certs.Node("node-b");
        Assert.Null(PeerCertificates.ChainProblem(nodeB, certs.Authorities));
        Assert.NotNull(PeerCertificates.ChainProblem(certs.Expired, certs.Authorities));
        Assert.NotNull(PeerCertificates.ChainProblem(certs.OfAnotherAuthority, certs.Authorities));
        Assert.NotNull(PeerCertificates.ChainProblem(certs.SelfSigned, certs.Authorities));
        Assert.NotNull(PeerCertificates.ChainProblem(nodeB, certs.Authorities, at: DateTime.Now.AddYears(3)));
    }
}
