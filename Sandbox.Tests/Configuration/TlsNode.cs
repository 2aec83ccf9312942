using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Configuration;

/// <summary>A real node whose remoting uses mutual TLS with a certificate of <paramref name="certs"/>,
/// configured through the environment as an operator would.</summary>
public sealed class TlsNode(ClusterCertificates certs, string name, string roles, ServerFixture? seed) : ServerFixture
{
    public ActorSystem System => App.Services.GetRequiredService<ActorSystem>();

    protected override string? ExtraEnvironment(string variable) => variable switch
    {
        "SANDBOX_TLS_CERT" => certs.CertificatePath(name),
        "SANDBOX_TLS_KEY" => certs.KeyPath(name),
        "SANDBOX_TLS_CA" => certs.AuthorityPath,
        "SANDBOX_ROLES" => roles,
        "SANDBOX_SEED_NODES" => seed?.ClusterAddress,
        _ => null,
    };
}
