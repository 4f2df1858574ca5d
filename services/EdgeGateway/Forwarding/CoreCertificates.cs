using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>Checks a core's server certificate against the one CA the edge was given, and nothing else.</summary>
public static class CoreCertificates
{
    public static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 authority)
    {
        // The host name must still match; only the trust anchor is ours instead of the system's.
        if (certificate is not X509Certificate2 server || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(server);
    }
}
