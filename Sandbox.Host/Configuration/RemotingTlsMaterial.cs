using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Remote.Hosting;

namespace Sandbox.Host.Configuration;

/// <summary>
/// The certificates of <see cref="RemotingTls"/>, loaded and checked at start: a node whose own
/// certificate is missing its key, expired, or not signed by the CA it trusts stops there (exit 2)
/// instead of starting and failing every handshake.
/// </summary>
public sealed record RemotingTlsMaterial(X509Certificate2 Certificate, X509Certificate2Collection Authorities)
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>Akka.Remote.Hosting's options for DotNetty: TLS on, a certificate on both sides of every
    /// connection (<c>RequireMutualAuthentication</c>), and peers checked by <see cref="PeerCertificates.SignedBy"/>.</summary>
    public SslOptions ToSslOptions() => new()
    {
        X509Certificate = Certificate,
        SuppressValidation = false,
        RequireMutualAuthentication = true,
        ValidateCertificateHostname = false,
        CustomValidator = PeerCertificates.SignedBy(Authorities),
    };

    public static RemotingTlsMaterial Load(RemotingTls tls)
    {
        var problems = new List<ConfigurationProblem>();
        const string Needed = "required with SANDBOX_TLS=true (on by default when SANDBOX_TLS_CERT is set or SANDBOX_AKKA_HOST is not loopback; SANDBOX_TLS=false runs remoting unauthenticated)";
        if (tls.CertificatePath is null) problems.Add(new("SANDBOX_TLS_CERT", null, $"{Needed}: this node's certificate"));
        if (tls.AuthorityPath is null) problems.Add(new("SANDBOX_TLS_CA", null, $"{Needed}: the CA certificate that signs every node's certificate"));
        if (problems.Count > 0) throw new InvalidConfigurationException(problems);

        var authorities = LoadAuthorities(tls.AuthorityPath!);
        var certificate = LoadCertificate(tls);
        var at = DateTime.Now;
        if (at < certificate.NotBefore || at > certificate.NotAfter)
            throw Problem("SANDBOX_TLS_CERT", tls.CertificatePath!, $"the certificate is valid from {certificate.NotBefore:u} to {certificate.NotAfter:u}, not now");
        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } eku)
        {
            var usages = eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToHashSet();
            if (!usages.Contains(ServerAuth) || !usages.Contains(ClientAuth))
                throw Problem("SANDBOX_TLS_CERT", tls.CertificatePath!, "the certificate must allow both serverAuth and clientAuth (every node is a TLS server and a client)");
        }
        if (PeerCertificates.ChainProblem(certificate, authorities) is { } chainProblem)
            throw Problem("SANDBOX_TLS_CERT", tls.CertificatePath!, $"the certificate is not signed by SANDBOX_TLS_CA ({chainProblem})");
        return new RemotingTlsMaterial(certificate, authorities);
    }

    private static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        try { authorities.ImportFromPemFile(path); }
        catch (CryptographicException e) { throw Problem("SANDBOX_TLS_CA", path, $"expected PEM certificates ({e.Message})"); }
        return authorities.Count > 0 ? authorities : throw Problem("SANDBOX_TLS_CA", path, "expected PEM certificates (the file holds none)");
    }

    private static X509Certificate2 LoadCertificate(RemotingTls tls)
    {
        var path = tls.CertificatePath!;
        try
        {
            if (X509Certificate2.GetCertContentType(path) == X509ContentType.Pkcs12)
            {
                if (tls.KeyPath is not null) throw Problem("SANDBOX_TLS_KEY", tls.KeyPath, "not used with a PKCS#12 certificate, which holds its key: unset it");
                return WithKey(X509CertificateLoader.LoadPkcs12FromFile(path, tls.Password), path);
            }
            // PEM: the key in its own file or after the certificate; an encrypted key takes the password
            var keyPath = tls.KeyPath ?? path;
            using var pem = tls.Password is null
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, tls.Password, keyPath);
            // SslStream wants a key it can use on every handshake: re-import the pair as PKCS#12
            return WithKey(X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null), path);
        }
        catch (CryptographicException e)
        {
            throw Problem(tls.KeyPath is null ? "SANDBOX_TLS_CERT" : "SANDBOX_TLS_KEY", tls.KeyPath ?? path,
                $"expected a PEM certificate with its private key (in SANDBOX_TLS_KEY or the same file) or a PKCS#12 file with SANDBOX_TLS_PASSWORD ({e.Message})");
        }
        catch (ArgumentException e)
        {
            // CreateFromPemFile: no certificate or no key in the files
            throw Problem(tls.KeyPath is null ? "SANDBOX_TLS_CERT" : "SANDBOX_TLS_KEY", tls.KeyPath ?? path,
                $"expected a PEM certificate with its private key (in SANDBOX_TLS_KEY or the same file) ({e.Message})");
        }
    }

    private static X509Certificate2 WithKey(X509Certificate2 certificate, string path) =>
        certificate.HasPrivateKey ? certificate : throw Problem("SANDBOX_TLS_CERT", path, "the certificate has no private key");

    private static InvalidConfigurationException Problem(string variable, string value, string message) => new(new ConfigurationProblem(variable, value, message));
}
