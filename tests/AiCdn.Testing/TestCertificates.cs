using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AiCdn.Testing;

/// <summary>
/// A throwaway CA in a temporary directory, with a localhost server certificate and a client
/// certificate it signed, written as PEM files for services to load; more can be issued, as a
/// certificate rotation needs.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    // Kept for the certificates issued after creation.
    private readonly ECDsa _caKey;

    private TestCertificates(string caName)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("aicdn-certs-").FullName;
        var now = DateTimeOffset.UtcNow;
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={caName}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        CertificateAuthority = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        File.WriteAllText(CaFile, CertificateAuthority.ExportCertificatePem());
        Server = IssueServer("localhost");
        Client = IssueClient("aicdn-edge");
    }

    public string Directory { get; }

    public X509Certificate2 CertificateAuthority { get; }

    public string CaFile => Path.Combine(Directory, "ca.pem");

    /// <summary>For localhost and 127.0.0.1.</summary>
    public IssuedCertificate Server { get; }

    public IssuedCertificate Client { get; }

    public static TestCertificates Create(string caName = "AiCdn Test CA") => new(caName);

    /// <summary>Another server certificate for localhost and 127.0.0.1, in files of its own (<paramref name="name"/> names them and the subject).</summary>
    public IssuedCertificate IssueServer(string name) => Issue(name, ServerAuth, withNames: true);

    public IssuedCertificate IssueClient(string name) => Issue(name, ClientAuth, withNames: false);

    /// <summary>True when <paramref name="certificate"/> chains to this CA (for a client's server-certificate check).</summary>
    public bool Trusts(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(CertificateAuthority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        _caKey.Dispose();
        CertificateAuthority.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private IssuedCertificate Issue(string name, string usage, bool withNames)
    {
        var now = DateTimeOffset.UtcNow;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (withNames)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        using var issued = request.Create(CertificateAuthority, now.AddDays(-1), now.AddMonths(6), serial);
        var certificate = issued.CopyWithPrivateKey(key);
        var certificateFile = Path.Combine(Directory, $"{name}.crt.pem");
        var keyFile = Path.Combine(Directory, $"{name}.key.pem");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return new IssuedCertificate(certificate, certificateFile, keyFile);
    }
}
