using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace Sandbox.Host.Configuration;

/// <summary>
/// Which peers a node talks to over remoting: those whose certificate chains to the cluster's own CA
/// and is valid now. Akka calls this on both sides of every connection (the client checks the server,
/// the server the client), so a node without such a certificate can neither join nor send a message.
/// </summary>
public static class PeerCertificates
{
    /// <summary>
    /// Only <paramref name="authorities"/> are trusted, never the machine's CA store (a certificate any
    /// public CA issued must not admit a node). Host names are not checked: pods connect by IP and
    /// every node holds a certificate of the same CA, which is what makes it a member.
    /// </summary>
    public static CertificateValidationCallback SignedBy(X509Certificate2Collection authorities) =>
        (certificate, _, peer, _, log) =>
        {
            if (certificate is null)
            {
                log.Warning("TLS: refused {0}: it presented no certificate", peer);
                return false;
            }
            var problem = ChainProblem(certificate, authorities);
            if (problem is null) return true;
            log.Warning("TLS: refused {0}: its certificate {1} is not signed by the cluster's CA or not valid now ({2})", peer, certificate.Subject, problem);
            return false;
        };

    /// <summary>Null when <paramref name="certificate"/> chains to one of <paramref name="authorities"/> and
    /// every certificate on the way is valid at <paramref name="at"/> (now by default); otherwise the chain's status flags.</summary>
    public static string? ChainProblem(X509Certificate2 certificate, X509Certificate2Collection authorities, DateTime? at = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        // a private CA publishes no revocation lists; certificates are short-lived instead (deploy/tls)
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (at is { } when) chain.ChainPolicy.VerificationTime = when;
        if (chain.Build(certificate)) return null;
        return string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct());
    }
}
