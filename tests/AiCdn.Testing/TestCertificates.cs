using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AiCdn.Testing;

/// <summary>A throwaway CA with server and client certificates, written as PEM files for services to load.</summary>
public sealed class TestCertificates : IDisposable
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private TestCertificates(string directory, X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client)
    {
        Directory = directory;
        CertificateAuthority = ca;
        Server = server;
        Client = client;
    }

    public string Directory { get; }

    public X509Certificate2 CertificateAuthority { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public string CaFile => Path.Combine(Directory, "ca.pem");

    public string ServerCertFile => Path.Combine(Directory, "server.pem");

    public string ServerKeyFile => Path.Combine(Directory, "server.key");

    public string ClientCertFile => Path.Combine(Directory, "client.pem");

    public string ClientKeyFile => Path.Combine(Directory, "client.key");

    public static TestCertificates Create(string caName = "AiCdn Test CA")
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("aicdn-certs-").FullName;
        var now = DateTimeOffset.UtcNow;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        var server = Issue(ca, "CN=localhost", ServerAuth, now, san: true);
        var client = Issue(ca, "CN=aicdn-edge", ClientAuth, now, san: false);

        File.WriteAllText(Path.Combine(directory, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "server.key"), server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, "client.pem"), client.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "client.key"), client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return new TestCertificates(directory, ca, server, client);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, string usage, DateTimeOffset now, bool san)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (san)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        using var issued = request.Create(ca, now.AddDays(-1), now.AddMonths(6), serial);
        return issued.CopyWithPrivateKey(key);
    }

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
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
