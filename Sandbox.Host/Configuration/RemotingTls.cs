namespace Sandbox.Host.Configuration;

/// <summary>
/// Mutual TLS on Akka remoting (SANDBOX_TLS_*): every node presents a certificate signed by the
/// cluster's own CA and accepts a peer only if its certificate is signed by that CA too, both when it
/// connects and when it is connected to. <see cref="RemotingTlsMaterial"/> loads and checks the files.
/// </summary>
public sealed record RemotingTls
{
    public bool Enabled { get; init; }
    /// <summary>This node's certificate: PEM (key in <see cref="KeyPath"/> or in the same file) or PKCS#12.</summary>
    public string? CertificatePath { get; init; }
    /// <summary>The PEM private key of a PEM certificate.</summary>
    public string? KeyPath { get; init; }
    /// <summary>The password of a PKCS#12 file.</summary>
    public string? Password { get; init; }
    /// <summary>PEM certificates of the CA(s) a peer's certificate must chain to; nothing else is trusted.</summary>
    public string? AuthorityPath { get; init; }
}
