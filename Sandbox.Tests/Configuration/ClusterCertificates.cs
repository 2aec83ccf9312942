using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sandbox.Tests.Configuration;

/// <summary>
/// A cluster CA and node certificates made by <c>deploy/tls/make-certs.sh</c> (the operator's way),
/// plus the certificates an outsider might hold, made here: one signed by the cluster CA but expired,
/// one signed by a CA of its own, one self-signed. Everything lives in one temporary directory.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    public static readonly string[] Nodes = ["node-a", "node-b", "node-c"];

    public string Dir { get; } = Directory.CreateTempSubdirectory("sandbox-tls-").FullName;
    public string AuthorityPath => Path.Combine(Dir, "ca.crt");
    public string CertificatePath(string name) => Path.Combine(Dir, name + ".crt");
    public string KeyPath(string name) => Path.Combine(Dir, name + ".key");

    public X509Certificate2Collection Authorities { get; }
    public X509Certificate2 Expired { get; }
    public X509Certificate2 OfAnotherAuthority { get; }
    public X509Certificate2 SelfSigned { get; }

    public ClusterCertificates()
    {
        try
        {
            (Authorities, Expired, OfAnotherAuthority, SelfSigned) = Make();
        }
        catch
        {
            Directory.Delete(Dir, recursive: true);
            throw;
        }
    }

    private (X509Certificate2Collection, X509Certificate2, X509Certificate2, X509Certificate2) Make()
    {
        var script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../deploy/tls/make-certs.sh"));
        var psi = new ProcessStartInfo("bash", [script, Dir, .. Nodes]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using (var p = Process.Start(psi)!)
        {
            var err = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(60))) { p.Kill(); throw new TimeoutException("make-certs.sh did not finish"); }
            if (p.ExitCode != 0) throw new InvalidOperationException($"make-certs.sh failed ({p.ExitCode}): {err.Result}");
        }
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(AuthorityPath);

        using var caCertificate = X509CertificateLoader.LoadCertificateFromFile(AuthorityPath);
        using var caKey = ECDsa.Create();
        caKey.ImportFromPem(File.ReadAllText(Path.Combine(Dir, "ca.key")));
        var now = DateTimeOffset.UtcNow;
        var expired = Leaf("expired-node", caCertificate.SubjectName, caKey, now.AddDays(-30), now.AddDays(-1));

        using var otherCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherCa = new CertificateRequest("CN=another cluster CA", otherCaKey, HashAlgorithmName.SHA256);
        otherCa.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        using var otherCaCertificate = otherCa.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        var ofAnotherAuthority = Leaf("node-a", otherCaCertificate.SubjectName, otherCaKey, now.AddDays(-1), now.AddDays(30));

        using var selfKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var self = new CertificateRequest("CN=node-a", selfKey, HashAlgorithmName.SHA256);
        AddLeafExtensions(self);
        return (authorities, expired, ofAnotherAuthority, Reimport(self.CreateSelfSigned(now.AddDays(-1), now.AddDays(30))));
    }

    /// <summary>A node certificate as the script makes them (serverAuth and clientAuth), signed by <paramref name="issuerKey"/>.</summary>
    private static X509Certificate2 Leaf(string name, X500DistinguishedName issuer, ECDsa issuerKey, DateTimeOffset from, DateTimeOffset to)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        AddLeafExtensions(request);
        using var signed = request.Create(issuer, X509SignatureGenerator.CreateForECDsa(issuerKey), from, to, RandomNumberGenerator.GetBytes(16));
        return Reimport(signed.CopyWithPrivateKey(key));
    }

    private static void AddLeafExtensions(CertificateRequest request)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
    }

    private static X509Certificate2 Reimport(X509Certificate2 withKey)
    {
        using (withKey) return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A node certificate of the cluster, with its key, as a node loads it.</summary>
    public X509Certificate2 Node(string name) => Reimport(X509Certificate2.CreateFromPemFile(CertificatePath(name), KeyPath(name)));

    /// <summary>Writes <paramref name="certificate"/> and its key as PEM files named after <paramref name="name"/>.</summary>
    public (string Certificate, string Key) WritePem(X509Certificate2 certificate, string name)
    {
        var (crt, key) = (Path.Combine(Dir, name + ".crt"), Path.Combine(Dir, name + ".key"));
        File.WriteAllText(crt, certificate.ExportCertificatePem());
        using var ecdsa = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(key, ecdsa.ExportPkcs8PrivateKeyPem());
        return (crt, key);
    }

    public void Dispose()
    {
        Expired.Dispose();
        OfAnotherAuthority.Dispose();
        SelfSigned.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
