using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AiCdn.EdgeGateway.Tests.Support;

/// <summary>A throwaway CA and PEM files for servers and clients it signs, in a temporary directory.</summary>
public sealed class TestAuthority : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestAuthority()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("aicdn-edge-certs-").FullName;
        var request = new CertificateRequest("CN=AiCdn test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2));
        AuthorityFile = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(AuthorityFile, Authority.ExportCertificatePem());
    }

    public string Directory { get; }

    public X509Certificate2 Authority { get; }

    public string AuthorityFile { get; }

    /// <summary>A localhost / 127.0.0.1 server certificate; returns the certificate, its PEM file and its key file.</summary>
    public (X509Certificate2 Certificate, string CertificateFile, string KeyFile) Server(string name) =>
        Issue(name, "1.3.6.1.5.5.7.3.1", withNames: true);

    public (X509Certificate2 Certificate, string CertificateFile, string KeyFile) Client(string name) =>
        Issue(name, "1.3.6.1.5.5.7.3.2", withNames: false);

    public void Dispose()
    {
        _caKey.Dispose();
        Authority.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private (X509Certificate2, string, string) Issue(string name, string usage, bool withNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (withNames)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = new byte[12];
        RandomNumberGenerator.Fill(serial);
        using var issued = request.Create(Authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), serial);
        var certificate = issued.CopyWithPrivateKey(key);
        var certificateFile = Path.Combine(Directory, $"{name}.crt.pem");
        var keyFile = Path.Combine(Directory, $"{name}.key.pem");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificate, certificateFile, keyFile);
    }
}
