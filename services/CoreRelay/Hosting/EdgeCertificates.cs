using System.Security.Cryptography.X509Certificates;

namespace AiCdn.CoreRelay.Hosting;

/// <summary>Checks an edge's client certificate against the CA the core is configured with, and nothing else.</summary>
public static class EdgeCertificates
{
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 certificateAuthority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(certificateAuthority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")); // client authentication
        return chain.Build(certificate);
    }
}
